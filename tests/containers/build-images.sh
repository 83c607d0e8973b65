#!/usr/bin/env bash
# The container tests' images, each built only when missing or when its inputs changed: an image is tagged with a
# hash of its inputs (and labelled bridge.tests.image=KIND). No registry is reachable, so nothing is pulled:
#   base        tests/containers/rootfs.sh: Debian minbase by debootstrap from this machine's own apt mirror, with
#               nginx-light and what a self-contained .NET app needs; `docker import`ed. Inputs: rootfs.sh, the release.
#   nginx       tests/containers/nginx.Dockerfile on base.
#   app         nginx/containers/Dockerfile (the example users copy) on base, with Echo published self-contained.
#   supervisor  nginx/containers/supervisor.Dockerfile on app: `dotnet-bridge run` (published self-contained) as entry point.
# Prints NAME=VALUE lines on stdout (BRIDGE_TEST_*_IMAGE, and BRIDGE_TEST_ECHO_PUBLISH: the self-contained Echo, which
# the compose example test builds from); progress on stderr. Called by prepare.sh with DOCKER (the client) and SUDO set.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
docker=${DOCKER:-docker}
sudo=${SUDO:-}
build="$root/artifacts/containers/build"
mkdir -p "$build"

say() { echo "containers: $*" >&2; }
hash_of() { sha256sum | cut -c1-16; }
# A folder's content (relative paths and file hashes), order-independent of the file system.
folder_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | hash_of; }
exists() { $sudo "$docker" image inspect "$1" >/dev/null 2>&1; }
seconds() { echo $(( $(date +%s) - $1 )); }

# Images of this kind under other tags that no container uses, older than a day (a run beside this one, on other
# sources, may still need a newer one): removed, so the daemon does not fill the disk.
prune() {
    local kind=$1 keep=$2 cutoff
    cutoff=$(date -d '1 day ago' +%s)
    $sudo "$docker" images --filter "label=bridge.tests.image=$kind" --format '{{.Repository}}:{{.Tag}}' | while read -r image; do
        [ "$image" = "$keep" ] && continue
        created=$($sudo "$docker" image inspect -f '{{.Created}}' "$image" 2>/dev/null) || continue
        [ "$(date -d "$created" +%s)" -lt "$cutoff" ] && $sudo "$docker" rmi "$image" >/dev/null 2>&1 || true
    done
}

# The first deb URI for Debian's main suite in this machine's apt sources (deb822 .sources files, then one-line
# lists): debootstrap downloads from the same mirror apt uses.
apt_mirror() {
    local suite=$1 uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v suite="$suite" '
        BEGIN { RS = ""; FS = "\n" }
        {
            uri = ""; deb = 0; match_suite = 0; enabled = 1
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
                if ($i ~ /^Enabled:[ \t]*no/) enabled = 0
                if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
                if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) match_suite = 1 }
            }
            if (deb && enabled && match_suite && uri ~ /^https?:/) { print uri; exit }
        }')
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk -v suite="$suite" '$1 == "deb" { i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++; if ($i ~ /^\[/ || $i ~ /\]$/) i++; if ($(i + 1) == suite && $i ~ /^https?:/) { print $i; exit } }')
    fi
    [ -n "$uri" ] || { say "no deb source for $suite in /etc/apt/sources.list{,.d}: debootstrap needs a mirror"; return 1; }
    echo "$uri"
}

# ---------------------------------------------------------------- base: debootstrap + docker import
. /etc/os-release
suite=${VERSION_CODENAME:-bookworm}
base="bridge-test/debian:$({ cat "$here/rootfs.sh"; echo "$suite"; } | hash_of)"
if ! exists "$base"; then
    started=$(date +%s)
    mirror=$(apt_mirror "$suite")
    say "building $base: debootstrap $suite from this machine's apt mirror (log: $build/debootstrap.log)"
    rootfs=$($sudo mktemp -d /var/tmp/bridge-rootfs.XXXXXX)
    trap '$sudo rm -rf "$rootfs"' EXIT
    $sudo "$here/rootfs.sh" "$suite" "$mirror" "$rootfs" >"$build/debootstrap.log" 2>&1 \
        || { tail -n 20 "$build/debootstrap.log" >&2; say "the Debian root file system could not be made"; exit 1; }
    $sudo tar -C "$rootfs" -c . | $sudo "$docker" import \
        --change 'LABEL bridge.tests.image=base' --change 'CMD ["/bin/bash"]' - "$base" >/dev/null
    $sudo rm -rf "$rootfs"
    trap - EXIT
    say "built $base in $(seconds "$started") s"
fi
prune base "$base"

# ---------------------------------------------------------------- nginx
nginx="bridge-test/nginx:$({ echo "$base"; cat "$here/nginx.Dockerfile"; } | hash_of)"
if ! exists "$nginx"; then
    started=$(date +%s)
    $sudo "$docker" build -q --build-arg "BASE_IMAGE=$base" --label bridge.tests.image=nginx -t "$nginx" - < "$here/nginx.Dockerfile" >/dev/null
    say "built $nginx in $(seconds "$started") s"
fi
prune nginx "$nginx"

# ---------------------------------------------------------------- app and supervisor: Echo and `dotnet-bridge`, self-contained
started=$(date +%s)
# Without the commit in the assemblies' version: a commit that changes no code rebuilds no image.
dotnet publish "$here/images.slnf" -c Release -r linux-x64 --self-contained --artifacts-path "$build" \
    -p:IncludeSourceRevisionInInformationalVersion=false -nologo -v quiet >"$build/publish.log" 2>&1 \
    || { cat "$build/publish.log" >&2; say "dotnet publish (self-contained, linux-x64) failed"; exit 1; }
say "published Echo and dotnet-bridge self-contained in $(seconds "$started") s"
echo_publish="$build/publish/Bridge.Samples.Echo/release_linux-x64"
bridge_publish="$build/publish/Bridge.Cli/release_linux-x64"

app="bridge-test/echo:$({ echo "$base"; cat "$root/nginx/containers/Dockerfile"; folder_hash "$echo_publish"; } | hash_of)"
if ! exists "$app"; then
    started=$(date +%s)
    $sudo "$docker" build -q --build-arg "BASE_IMAGE=$base" --build-arg APP=Bridge.Samples.Echo --label bridge.tests.image=app \
        -f "$root/nginx/containers/Dockerfile" -t "$app" "$echo_publish" >/dev/null
    say "built $app in $(seconds "$started") s"
fi
prune app "$app"

supervisor="bridge-test/echo-supervised:$({ echo "$app"; cat "$root/nginx/containers/supervisor.Dockerfile"; folder_hash "$bridge_publish"; } | hash_of)"
if ! exists "$supervisor"; then
    started=$(date +%s)
    $sudo "$docker" build -q --build-arg "APP_IMAGE=$app" --label bridge.tests.image=supervisor \
        -f "$root/nginx/containers/supervisor.Dockerfile" -t "$supervisor" "$bridge_publish" >/dev/null
    say "built $supervisor in $(seconds "$started") s"
fi
prune supervisor "$supervisor"

echo "BRIDGE_TEST_BASE_IMAGE=$base"
echo "BRIDGE_TEST_NGINX_IMAGE=$nginx"
echo "BRIDGE_TEST_APP_IMAGE=$app"
echo "BRIDGE_TEST_SUPERVISOR_IMAGE=$supervisor"
echo "BRIDGE_TEST_ECHO_PUBLISH=$echo_publish"

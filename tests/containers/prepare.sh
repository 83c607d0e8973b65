#!/usr/bin/env bash
# Docker for the container tests (tests/Bridge.Integration.Tests/Containers), set up from nothing on Debian 12:
#   1. installs docker.io, debootstrap and docker-compose from Debian's packages when they are missing;
#   2. starts dockerd when no daemon answers (log: /var/log/bridge-tests/dockerd.log; no outbound NAT for containers);
#   3. removes the containers, networks and volumes that earlier test runs left (by label, only those whose test
#      process is gone, so a run beside this one keeps its own);
#   4. builds the images when missing or when their inputs changed (tests/containers/build-images.sh).
# It writes artifacts/containers/images.env for the tests: the image names and the daemon's API version, or, when
# Docker cannot run here, `unavailable=` and the reason, which every container test then fails with (never a skip).
# Idempotent; as root or through sudo. Run by tests/run-tests.sh; run it alone after changing an image's inputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/artifacts/containers"
env_file="$out/images.env"
dockerd_log=/var/log/bridge-tests/dockerd.log
mkdir -p "$out"

say() { echo "containers: $*" >&2; }
fail() {
    say "ERROR: $*"
    printf 'unavailable=%s\n' "$(echo "$*" | tr '\n' ' ')" > "$env_file"
    exit 1
}

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || fail "not root and no sudo: installing Docker and starting dockerd need root"
    sudo="sudo"
fi
rm -f "$env_file"
# Whatever stops this script early leaves the reason for the tests (fail() writes a better one first).
trap 'code=$?; [ "$code" -eq 0 ] || [ -s "$env_file" ] || printf "unavailable=tests/containers/prepare.sh stopped with exit code %s; its output says where\n" "$code" > "$env_file"' EXIT

# ---------------------------------------------------------------- 1. packages
packages=()
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || packages+=(docker.io)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || packages+=(debootstrap)
command -v docker-compose >/dev/null || packages+=(docker-compose)
if [ ${#packages[@]} -gt 0 ]; then
    say "installing ${packages[*]} from Debian's packages"
    # No service starts on install (dockerd is started below, with its options): a policy-rc.d for the install only.
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && own_policy=1
    fi
    status=0
    # Without recommends: docker.io would bring needrestart, which restarts services after later installs.
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; } || status=$?
    [ "$own_policy" -eq 1 ] && $sudo rm -f "$policy"
    [ "$status" -eq 0 ] || fail "apt-get install ${packages[*]} failed (exit $status)"
fi
# Debian's client, which matches Debian's daemon (another docker on PATH may be a newer client).
docker=/usr/bin/docker
[ -x "$docker" ] || docker=$(command -v docker) || fail "docker.io is installed but there is no docker client"
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

# ---------------------------------------------------------------- 2. the daemon
api_version() { $sudo "$docker" version --format '{{.Server.APIVersion}}' 2>/dev/null; }
if ! api=$(api_version); then
    say "starting dockerd (log: $dockerd_log)"
    $sudo mkdir -p "$(dirname "$dockerd_log")"
    # --ip-masq=false: containers get no outbound NAT, they reach only each other and this machine.
    dockerd_pid=$($sudo sh -c "setsid dockerd --ip-masq=false >>'$dockerd_log' 2>&1 </dev/null & echo \$!")
    deadline=$((SECONDS + 60))
    until api=$(api_version); do
        if ! $sudo kill -0 "$dockerd_pid" 2>/dev/null; then
            fail "dockerd exited at once; the end of $dockerd_log:
$($sudo tail -n 8 "$dockerd_log" 2>/dev/null)"
        fi
        [ "$SECONDS" -lt "$deadline" ] || fail "dockerd (pid $dockerd_pid) did not answer within 60 s; the end of $dockerd_log:
$($sudo tail -n 8 "$dockerd_log" 2>/dev/null)"
        sleep 0.5
    done
fi
# The tests talk to the daemon themselves: they need the socket, as root or as a member of its group.
if [ -n "$sudo" ] && ! "$docker" version >/dev/null 2>&1; then
    fail "the Docker daemon runs, but $(id -un) may not use /var/run/docker.sock: add the user to group docker (sudo usermod -aG docker $(id -un), then log in again) or run the tests as root"
fi
say "Docker daemon ready (API $api)"

# ---------------------------------------------------------------- 3. what earlier runs left
# Test containers, networks and volumes carry bridge.tests.pid=<the test process>: remove those whose process is gone.
stale() {  # the list command: docker ps -a, docker network ls, docker volume ls
    "$@" --filter label=bridge.tests.pid --format '{{.ID}} {{.Label "bridge.tests.pid"}}' 2>/dev/null |
        while read -r id pid; do
            if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then echo "$id"; fi
        done
}
# (Another run may be removing the same ones: failures here are not errors.)
ids=$(stale $sudo "$docker" ps -a)
[ -z "$ids" ] || { say "removing containers left by earlier runs: $(echo $ids)"; $sudo "$docker" rm -f $ids >/dev/null 2>&1 || true; }
ids=$(stale $sudo "$docker" network ls)
[ -z "$ids" ] || { say "removing networks left by earlier runs: $(echo $ids)"; $sudo "$docker" network rm $ids >/dev/null 2>&1 || true; }
ids=$(stale $sudo "$docker" volume ls)
[ -z "$ids" ] || { say "removing volumes left by earlier runs: $(echo $ids)"; $sudo "$docker" volume rm -f $ids >/dev/null 2>&1 || true; }
# Images of ours that a rebuild under the same tag left without a name (the compose example's app).
$sudo "$docker" image prune -f --filter label=bridge.tests.image >/dev/null 2>&1 || true

# ---------------------------------------------------------------- 4. images
images=$(DOCKER="$docker" SUDO="$sudo" "$root/tests/containers/build-images.sh") || fail "building the test images failed (see above)"
{
    echo "DOCKER_API_VERSION=$api"
    echo "TESTCONTAINERS_RYUK_DISABLED=true"
    echo "$images"
} > "$env_file"
say "images ready: $(echo $images)"

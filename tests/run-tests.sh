#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing (from Debian's packages: nginx; Apache,
# lighttpd, uWSGI's HTTP router and libfcgi's cgi-fcgi, the other front ends the integration tests run in front of
# Bridge; Docker and the container tests' images, through tests/containers/prepare.sh) and runs every test in the
# solution. Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -x /usr/sbin/lighttpd ] || missing+=(lighttpd)
[ -x /usr/bin/uwsgi ] && [ -f /usr/lib/uwsgi/plugins/http_plugin.so ] || missing+=(uwsgi-core)
[ -x /usr/bin/cgi-fcgi ] || missing+=(libfcgi-bin)
if [ ${#missing[@]} -gt 0 ]; then
    echo "run-tests: installing ${missing[*]} (Debian's packages) for the integration tests"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # The packages would start their default instances (on port 80): the tests start their own on private ports,
    # so a policy-rc.d stops the install from starting any service, and is removed after (unless it was there).
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
    fi
    status=0
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
    [ -n "$policy" ] && $sudo rm -f "$policy"
    [ "$status" -eq 0 ] || { echo "run-tests: installing ${missing[*]} failed" >&2; exit "$status"; }
fi

# Docker for the container tests: installs docker.io, debootstrap and docker-compose when missing, starts dockerd when
# no daemon answers, removes what earlier runs left, builds the images whose inputs changed. When Docker cannot run
# here, prepare.sh writes the reason where the container tests read it, and they fail with it (never a skip).
docker_status=0
bash tests/containers/prepare.sh || docker_status=$?

log=$(mktemp)
# Fixtures write what their clean-up found wrong here (xunit shows a failed clean-up only by its exception's type).
export BRIDGE_TEST_REPORTS
BRIDGE_TEST_REPORTS=$(mktemp -d)
trap 'rm -rf "$log" "$BRIDGE_TEST_REPORTS"' EXIT
status=0
dotnet test Bridge.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

for report in "$BRIDGE_TEST_REPORTS"/*; do
    [ -f "$report" ] || continue
    echo "run-tests: a fixture's clean-up failed ($(basename "$report")):"
    head -c 20000 "$report"
    echo
done

[ "$docker_status" -eq 0 ] || echo "run-tests: Docker could not be set up (tests/containers/prepare.sh, above): the container tests failed for that reason."
# One closing line for the whole run, summed over the test projects' own summaries.
awk '/(Passed|Failed)!/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
        }
     }
     END { gsub(/,/, "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"

#!/usr/bin/env bash
# The README's test command: installs what the tests need (nginx, from Debian's packages, when it is missing; Docker
# and the container tests' images, through tests/containers/prepare.sh) and runs every test in the solution.
# Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "run-tests: installing nginx (Debian's nginx-light) for the integration tests"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
fi

# Docker for the container tests: installs docker.io, debootstrap and docker-compose when missing, starts dockerd when
# no daemon answers, removes what earlier runs left, builds the images whose inputs changed. When Docker cannot run
# here, prepare.sh writes the reason where the container tests read it, and they fail with it (never a skip).
docker_status=0
bash tests/containers/prepare.sh || docker_status=$?

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Bridge.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

[ "$docker_status" -eq 0 ] || echo "run-tests: Docker could not be set up (tests/containers/prepare.sh, above): the container tests failed for that reason."
# One closing line for the whole run, summed over the test projects' own summaries.
awk '/(Passed|Failed)!/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
        }
     }
     END { gsub(/,/, "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"

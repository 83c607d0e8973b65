#!/usr/bin/env bash
# The WebSocket load run: one nginx (1 worker, nginx/templates/websocket.conf.template) in front of the native Echo
# and the ASP.NET Core sample on Bridge (uwsgi_pass), and the same sample on Kestrel behind proxy_pass with the
# upgrade headers; WsLoad (tests/load/WsLoad) against each, in one run: 64-byte echoes per second over CONNECTIONS
# WebSockets, then HOLD WebSockets held open while the server's threads and RSS are read. Everything on loopback and
# Unix sockets under one temp dir; every process it starts is stopped by PID. See tests/load/README.md.
#   DURATION=8 WARMUP=2 CONNECTIONS="32" HOLD=200 SIZE=64 tests/load/ws.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
HOLD=${HOLD:-200}
SIZE=${SIZE:-64}
CONNECTIONS=${CONNECTIONS//,/ }
say() { echo "ws-load: $*" >&2; }
die() { echo "ws-load: ERROR: $*" >&2; exit 1; }
[[ "$DURATION" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ && "$HOLD" =~ ^[1-9][0-9]*$ && "$SIZE" =~ ^[1-9][0-9]*$ ]] \
    || die "DURATION, WARMUP, HOLD and SIZE are whole numbers"
for c in $CONNECTIONS; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers, got '$c'"; done
[ "$HOLD" -le 1500 ] || die "HOLD is at most 1500 (nginx's worker_connections is 4096; each WebSocket takes two)"

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    say "installing nginx-light from Debian's packages"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/bridge-ws-load.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/tmp" "$work/logs" "$work/publish"
for t in body proxy fastcgi uwsgi scgi; do mkdir -p "$work/tmp/$t"; done
pids=()
keep_work=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ $rc -eq 0 ] && [ $keep_work -eq 0 ]; then rm -rf "$work"; else say "logs and configs kept in $work (exit $rc)"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Private copies of the binaries (builds in src/ by others cannot replace them under the run).
for project in src/Samples/Bridge.Samples.Echo src/Samples/Bridge.Samples.AspNetCore tests/load/WsLoad; do
    name=$(basename "$project")
    say "publishing $name (Release)"
    dotnet publish -c Release "$root/$project" -o "$work/publish/$name" -v quiet -nologo >"$work/logs/publish-$name.log" 2>&1 \
        || { cat "$work/logs/publish-$name.log" >&2; die "dotnet publish $name failed"; }
done
echo_dll="$work/publish/Bridge.Samples.Echo/Bridge.Samples.Echo.dll"
aspnet_dll="$work/publish/Bridge.Samples.AspNetCore/Bridge.Samples.AspNetCore.dll"
wsload_dll="$work/publish/WsLoad/WsLoad.dll"

group=()
user_directive=""
if [ "$(id -u)" -eq 0 ] && getent group www-data >/dev/null; then
    user_directive="user www-data;"   # nginx's workers run as www-data, as in production
    group=(--socket-group www-data)
fi

quiet=(--access-log off --Logging:LogLevel:Default=Warning)
dotnet "$echo_dll" --listen "unix:$work/echo.sock" --protocol auto "${group[@]}" "${quiet[@]}" >"$work/logs/echo.log" 2>&1 &
pids+=($!); echo_pid=$!
dotnet "$aspnet_dll" --listen "unix:$work/aspnet.sock" --protocol auto "${group[@]}" "${quiet[@]}" >"$work/logs/aspnet.log" 2>&1 &
pids+=($!); aspnet_pid=$!
dotnet "$aspnet_dll" --server kestrel --urls "http://unix:$work/kestrel.sock" --Logging:LogLevel:Default=Warning >"$work/logs/kestrel.log" 2>&1 &
pids+=($!); kestrel_pid=$!
for s in echo aspnet kestrel; do
    for _ in $(seq 300); do [ -S "$work/$s.sock" ] && break; sleep 0.1; done
    [ -S "$work/$s.sock" ] || die "$s did not create its socket within 30 s (see $work/logs/$s.log)"
done
if [ -n "$user_directive" ]; then chgrp www-data "$work/kestrel.sock"; fi
chmod 0660 "$work/kestrel.sock"   # Kestrel's socket gets the umask's mode; give it Bridge's

read -r -a ports <<<"$(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')"
sed -e "s#{{USER_DIRECTIVE}}#$user_directive#" -e "s#{{PREFIX}}#$work#g" \
    -e "s#{{ECHO_PORT}}#${ports[0]}#" -e "s#{{ECHO_FASTCGI_PORT}}#${ports[1]}#" -e "s#{{ECHO_SOCKET}}#$work/echo.sock#" \
    -e "s#{{ASPNET_PORT}}#${ports[2]}#" -e "s#{{ASPNET_FASTCGI_PORT}}#${ports[3]}#" -e "s#{{ASPNET_SOCKET}}#$work/aspnet.sock#" \
    -e "s#{{KESTREL_PORT}}#${ports[4]}#" -e "s#{{KESTREL_SOCKET}}#$work/kestrel.sock#" \
    -e "s#access_log [^;]*;#access_log off;#" \
    "$root/nginx/templates/websocket.conf.template" >"$work/nginx.conf"
grep -q '{{' "$work/nginx.conf" && die "unfilled placeholder in $work/nginx.conf"
"$nginx_bin" -p "$work" -c "$work/nginx.conf" 2>>"$work/logs/nginx-error.log" &
pids+=($!)
for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/${ports[4]}") 2>/dev/null && break; sleep 0.1; done

declare -A url=(
    [echo-bridge-uwsgi]="ws://127.0.0.1:${ports[0]}/ws"
    [aspnet-bridge-uwsgi]="ws://127.0.0.1:${ports[2]}/ws"
    [aspnet-kestrel-proxy]="ws://127.0.0.1:${ports[4]}/ws"
)
declare -A pid_of=([echo-bridge-uwsgi]=$echo_pid [aspnet-bridge-uwsgi]=$aspnet_pid [aspnet-kestrel-proxy]=$kestrel_pid)
backends="echo-bridge-uwsgi aspnet-bridge-uwsgi aspnet-kestrel-proxy"

field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
declare -A rate
rows=()
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $CONNECTIONS; do
    for b in $backends; do
        say "$b: $c connections, ${SIZE}-byte echoes, ${WARMUP} s warm-up + ${DURATION} s"
        line=$(timeout $((WARMUP + DURATION + 60)) dotnet "$wsload_dll" echo "${url[$b]}" "$c" "$DURATION" "$WARMUP" "$SIZE") \
            || { keep_work=1; die "$b: the echo load failed: $line"; }
        rate[$b,$c]=$(field rate "$line")
        rows+=("| $b | $c | $(field rate "$line") | $(field p50_us "$line") | $(field p99_us "$line") | $(field errors "$line") |")
    done
done
hold_rows=()
for b in $backends; do
    say "$b: $HOLD WebSockets held open"
    line=$(timeout 120 dotnet "$wsload_dll" hold "${url[$b]}" "$HOLD" "${pid_of[$b]}") || { keep_work=1; die "$b: holding $HOLD failed: $line"; }
    hold_rows+=("| $b | $HOLD | $(field threads_before "$line") → $(field threads "$line") | $(awk "BEGIN { printf \"%.1f → %.1f\", $(field rss_before_kb "$line") / 1024, $(field rss_kb "$line") / 1024 }") | $(field errors "$line") |")
done

echo
echo "WebSocket echoes through nginx (1 worker), $(date -u +%Y-%m-%d), $(nproc) cores, load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| backend | connections | messages/s (${SIZE} B) | p50 µs | p99 µs | errors |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
for c in $CONNECTIONS; do
    k=${rate[aspnet-kestrel-proxy,$c]}
    echo "c=$c: ratio to Kestrel behind proxy_pass: echo-bridge-uwsgi $(awk "BEGIN { printf \"%.2f\", ${rate[echo-bridge-uwsgi,$c]} / $k }"), aspnet-bridge-uwsgi $(awk "BEGIN { printf \"%.2f\", ${rate[aspnet-bridge-uwsgi,$c]} / $k }")"
done
echo
echo "| backend | open WebSockets | server threads (before → open) | server RSS MiB (before → open) | errors |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${hold_rows[@]}"

#!/usr/bin/env bash
# The load benchmark: one nginx (1 worker) in front of Echo and the ASP.NET Core sample on Bridge (uwsgi, FastCGI),
# the same sample on Kestrel (behind proxy_pass, and direct), Debian's uWSGI and PHP-FPM with trivial apps, and
# nginx alone as the ceiling; wrk -t1 against each. Everything on loopback and Unix sockets under one temp dir.
# See tests/load/README.md.
#   DURATION=8 WARMUP=2 CONNECTIONS="8 32 128" BACKENDS="..." WORKLOADS="hello bytes upload" tests/load/run.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
all_backends="ceiling echo-uwsgi echo-uwsgi-log echo-fastcgi-keepalive echo-fastcgi-keepalive-log aspnet-bridge-uwsgi aspnet-bridge-fastcgi aspnet-kestrel-proxy aspnet-kestrel-direct uwsgi-uwsgi uwsgi-fastcgi php-fpm php-fpm-keepalive"
all_workloads="hello bytes upload"
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-"8 32 128"}
BACKENDS=${BACKENDS:-$all_backends}
WORKLOADS=${WORKLOADS:-$all_workloads}
BACKENDS=${BACKENDS//,/ }; WORKLOADS=${WORKLOADS//,/ }; CONNECTIONS=${CONNECTIONS//,/ }   # commas or spaces
command_line="DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=\"$CONNECTIONS\" BACKENDS=\"$BACKENDS\" WORKLOADS=\"$WORKLOADS\" tests/load/run.sh"

say() { echo "load: $*" >&2; }
die() { echo "load: ERROR: $*" >&2; exit 1; }

for b in $BACKENDS; do [[ " $all_backends " == *" $b "* ]] || die "unknown backend '$b' (known: $all_backends)"; done
for w in $WORKLOADS; do [[ " $all_workloads " == *" $w "* ]] || die "unknown workload '$w' (known: $all_workloads)"; done
for c in $CONNECTIONS; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be positive integers, got '$c'"; done
uwsgi_listen=()   # uWSGI's own default listen queue is 100; UWSGI_LISTEN=1024 matches Bridge's backlog
if [ -n "${UWSGI_LISTEN:-}" ]; then
    [[ "$UWSGI_LISTEN" =~ ^[1-9][0-9]*$ ]] || die "UWSGI_LISTEN is a number"
    uwsgi_listen=(--listen "$UWSGI_LISTEN")
    command_line="UWSGI_LISTEN=$UWSGI_LISTEN $command_line"
fi
[[ "$DURATION" =~ ^[1-9][0-9]*$ && "$WARMUP" =~ ^[0-9]+$ ]] || die "DURATION and WARMUP are whole seconds"
wants() { [[ " $BACKENDS " == *" $1"* ]]; }   # wants uwsgi- matches uwsgi-uwsgi and uwsgi-fastcgi
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- 1. packages and builds
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
packages=()
command -v wrk >/dev/null || packages+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
command -v curl >/dev/null || packages+=(curl)
command -v python3 >/dev/null || packages+=(python3)
if wants uwsgi-; then
    command -v uwsgi >/dev/null || packages+=(uwsgi)
    [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] || packages+=(uwsgi-plugin-python3)
fi
php_fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n1 || true)
if wants php-fpm && [ -z "$php_fpm" ]; then packages+=(php-fpm); fi   # Debian 12: php8.2-fpm
if [ ${#packages[@]} -gt 0 ]; then
    say "installing ${packages[*]} from Debian's packages"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
php_fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n1 || true)

work=$(mktemp -d /tmp/bridge-load.XXXXXX)
results=$(mktemp -d /tmp/bridge-load-results.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/tmp" "$work/logs" "$work/www/bytes" "$work/publish"

# The samples are published into the temp dir: the running binaries are private copies that builds in src/ by
# others cannot replace under them.
publish() {
    say "publishing $1 (Release)"
    dotnet publish -c Release "$root/src/Samples/$1" -o "$work/publish/$1" -v quiet -nologo >"$work/logs/publish-$1.log" 2>&1 \
        || { cat "$work/logs/publish-$1.log" >&2; die "dotnet publish $1 failed"; }
}
echo_dll="$work/publish/Bridge.Samples.Echo/Bridge.Samples.Echo.dll"
aspnet_dll="$work/publish/Bridge.Samples.AspNetCore/Bridge.Samples.AspNetCore.dll"
if wants echo-; then publish Bridge.Samples.Echo; fi
if wants aspnet-; then publish Bridge.Samples.AspNetCore; fi

# ---------------------------------------------------------------- processes we own, and stopping exactly those
nginx_pid=""
backend_pid=""
sampler_pid=""
keep_work=0

stop_tree() { # PID: TERM the root, wait up to 10 s for it and every descendant it had, then KILL what is left
    local pid=$1 pids
    pids=$(python3 "$here/procstat.py" tree "$pid")
    [ -z "$pids" ] && return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        local alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
    if [ -n "$backend_pid" ]; then stop_tree "$backend_pid"; fi
    if [ -n "$nginx_pid" ]; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
        stop_tree "$nginx_pid"
    fi
    if [ $rc -eq 0 ] && [ $keep_work -eq 0 ]; then
        rm -rf "$work"
    else
        say "logs and configs kept in $work (exit $rc)"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- 2. nginx
read -r -a ports <<<"$(python3 - <<'EOF'
import socket
socks = []
for _ in range(11):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"
declare -A port=(
    [ceiling]=${ports[0]} [echo-uwsgi]=${ports[1]} [echo-fastcgi-keepalive]=${ports[2]}
    [aspnet-bridge-uwsgi]=${ports[3]} [aspnet-bridge-fastcgi]=${ports[4]} [aspnet-kestrel-proxy]=${ports[5]}
    [aspnet-kestrel-direct]=${ports[6]} [uwsgi-uwsgi]=${ports[7]} [uwsgi-fastcgi]=${ports[8]} [php-fpm]=${ports[9]}
    [php-fpm-keepalive]=${ports[10]}
)
declare -A socket
for b in $all_backends; do socket[$b]="$work/$b.sock"; done
# The -log rows are the same Echo with its default access log on, behind the same nginx server block.
port[echo-uwsgi-log]=${port[echo-uwsgi]}; socket[echo-uwsgi-log]=${socket[echo-uwsgi]}
port[echo-fastcgi-keepalive-log]=${port[echo-fastcgi-keepalive]}; socket[echo-fastcgi-keepalive-log]=${socket[echo-fastcgi-keepalive]}

user_directive=""
bridge_group=()
uwsgi_owner=()
php_user=""
if [ "$(id -u)" -eq 0 ] && getent group www-data >/dev/null; then
    # As root, nginx's workers run as www-data, as in production: every socket gets group www-data, mode 0660.
    user_directive="user www-data;"
    bridge_group=(--socket-group www-data)
    uwsgi_owner=(--chown-socket root:www-data --uid www-data --gid www-data)
    php_user=$'user = www-data\ngroup = www-data\nlisten.owner = www-data\nlisten.group = www-data'
fi

# Static files of the ceiling row, and the two apps where www-data may read them.
python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(65536)))" >"$work/www/bytes/65536"
python3 -c "import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 256 for i in range(16384)))" >"$work/upload.bin"
cp "$here/apps/app.py" "$here/apps/app.php" "$work/www/"
chmod -R a+rX "$work/www"
bytes_sha=$(sha256sum "$work/www/bytes/65536" | cut -d' ' -f1)
upload_sha=$(sha256sum "$work/upload.bin" | cut -d' ' -f1)

sed -e "s#{{USER_DIRECTIVE}}#$user_directive#" -e "s#{{PREFIX}}#$work#g" -e "s#{{WWW}}#$work/www#g" \
    -e "s#{{CEILING_PORT}}#${port[ceiling]}#" \
    -e "s#{{ECHO_UWSGI_PORT}}#${port[echo-uwsgi]}#" -e "s#{{ECHO_UWSGI_SOCKET}}#${socket[echo-uwsgi]}#" \
    -e "s#{{ECHO_FASTCGI_PORT}}#${port[echo-fastcgi-keepalive]}#" -e "s#{{ECHO_FASTCGI_SOCKET}}#${socket[echo-fastcgi-keepalive]}#" \
    -e "s#{{ASPNET_BRIDGE_UWSGI_PORT}}#${port[aspnet-bridge-uwsgi]}#" -e "s#{{ASPNET_BRIDGE_UWSGI_SOCKET}}#${socket[aspnet-bridge-uwsgi]}#" \
    -e "s#{{ASPNET_BRIDGE_FASTCGI_PORT}}#${port[aspnet-bridge-fastcgi]}#" -e "s#{{ASPNET_BRIDGE_FASTCGI_SOCKET}}#${socket[aspnet-bridge-fastcgi]}#" \
    -e "s#{{ASPNET_KESTREL_PROXY_PORT}}#${port[aspnet-kestrel-proxy]}#" -e "s#{{ASPNET_KESTREL_SOCKET}}#${socket[aspnet-kestrel-proxy]}#" \
    -e "s#{{UWSGI_UWSGI_PORT}}#${port[uwsgi-uwsgi]}#" -e "s#{{UWSGI_UWSGI_SOCKET}}#${socket[uwsgi-uwsgi]}#" \
    -e "s#{{UWSGI_FASTCGI_PORT}}#${port[uwsgi-fastcgi]}#" -e "s#{{UWSGI_FASTCGI_SOCKET}}#${socket[uwsgi-fastcgi]}#" \
    -e "s#{{PHP_FPM_PORT}}#${port[php-fpm]}#" -e "s#{{PHP_FPM_SOCKET}}#${socket[php-fpm]}#" \
    -e "s#{{PHP_FPM_KEEPALIVE_PORT}}#${port[php-fpm-keepalive]}#" -e "s#{{PHP_FPM_KEEPALIVE_SOCKET}}#${socket[php-fpm-keepalive]}#" \
    "$root/nginx/templates/load.conf.template" >"$work/nginx.conf"
grep -q '{{' "$work/nginx.conf" && die "unfilled placeholder in $work/nginx.conf: $(grep -o '{{[A-Z_]*}}' "$work/nginx.conf" | head -n1)"
"$nginx_bin" -t -q -p "$work" -c "$work/nginx.conf" 2>"$work/logs/nginx-test.log" || { cat "$work/logs/nginx-test.log" >&2; die "nginx -t failed"; }
"$nginx_bin" -p "$work" -c "$work/nginx.conf" 2>>"$work/logs/nginx-error.log" &
nginx_pid=$!

wait_for() { # DESCRIPTION TEST...: up to 30 s
    local what=$1; shift
    for _ in $(seq 300); do "$@" && return 0; sleep 0.1; done
    die "$what did not come up within 30 s"
}
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for "nginx" tcp_open "${port[ceiling]}"

# ---------------------------------------------------------------- backends
start_backend() { # NAME: starts it (backend_pid, empty for the ceiling) and waits for its socket or port
    local b=$1 s=${socket[$1]} log="$work/logs/$1.log"
    rm -f "$s"
    case $b in
        ceiling) backend_pid=""; return 0 ;;
        echo-uwsgi) dotnet "$echo_dll" --listen "unix:$s" --protocol uwsgi --access-log off "${bridge_group[@]}" >"$log" 2>&1 & ;;
        echo-fastcgi-keepalive) dotnet "$echo_dll" --listen "unix:$s" --protocol fastcgi --access-log off "${bridge_group[@]}" >"$log" 2>&1 & ;;
        echo-uwsgi-log) dotnet "$echo_dll" --listen "unix:$s" --protocol uwsgi "${bridge_group[@]}" >"$log" 2>&1 & ;;
        echo-fastcgi-keepalive-log) dotnet "$echo_dll" --listen "unix:$s" --protocol fastcgi "${bridge_group[@]}" >"$log" 2>&1 & ;;
        aspnet-bridge-uwsgi) dotnet "$aspnet_dll" --listen "unix:$s" --protocol uwsgi --access-log off "${bridge_group[@]}" \
            --Logging:LogLevel:Default=Warning >"$log" 2>&1 & ;;
        aspnet-bridge-fastcgi) dotnet "$aspnet_dll" --listen "unix:$s" --protocol fastcgi --access-log off "${bridge_group[@]}" \
            --Logging:LogLevel:Default=Warning >"$log" 2>&1 & ;;
        aspnet-kestrel-proxy) dotnet "$aspnet_dll" --server kestrel --urls "http://unix:$s" \
            --Logging:LogLevel:Default=Warning >"$log" 2>&1 & ;;
        aspnet-kestrel-direct) dotnet "$aspnet_dll" --server kestrel --urls "http://127.0.0.1:${port[$b]}" \
            --Logging:LogLevel:Default=Warning >"$log" 2>&1 & ;;
        uwsgi-uwsgi | uwsgi-fastcgi)
            local kind=${b#uwsgi-}
            uwsgi --plugin python3 --master --processes 2 --die-on-term --need-app --disable-logging \
                --buffer-size 65535 "--$kind-socket" "$s" --chmod-socket=660 "${uwsgi_owner[@]}" "${uwsgi_listen[@]}" \
                --chdir "$work/www" --wsgi-file "$work/www/app.py" >"$log" 2>&1 & ;;
        php-fpm | php-fpm-keepalive)
            cat >"$work/php-fpm.conf" <<EOF
[global]
pid = $work/php-fpm.pid
error_log = $work/logs/php-fpm-error.log
daemonize = no

[load]
$php_user
listen = $s
listen.mode = 0660
pm = static
pm.max_children = 2
EOF
            "$php_fpm" --nodaemonize --fpm-config "$work/php-fpm.conf" >"$log" 2>&1 & ;;
    esac
    backend_pid=$!
    if [ "$b" = aspnet-kestrel-direct ]; then
        wait_for "$b (port ${port[$b]}; log $log)" tcp_open "${port[$b]}"
    else
        wait_for "$b (socket $s; log $log)" test -S "$s"
    fi
    if [ "$b" = aspnet-kestrel-proxy ] && [ -n "$user_directive" ]; then
        # Kestrel creates its socket with the process's umask: give nginx's group write access, as a deployment would.
        chgrp www-data "$s" && chmod 0660 "$s"
    fi
}

stop_backend() {
    if [ -n "$backend_pid" ]; then stop_tree "$backend_pid"; fi
    backend_pid=""
}

# ---------------------------------------------------------------- 3. checks
path_of() { case $1 in hello) echo /hello ;; bytes) echo /bytes/65536 ;; upload) echo /upload ;; esac; }

check() { # BACKEND WORKLOAD URL: one request, status 200 and the right body, else stop
    local b=$1 w=$2 url=$3 out="$work/check.body" status
    local curl_args=(-s --max-time 10 -o "$out" -w '%{http_code}')
    [ "$w" = upload ] && curl_args+=(-H 'Content-Type: application/octet-stream' --data-binary "@$work/upload.bin")
    status=$(curl "${curl_args[@]}" "$url" || true)
    local hint="(logs: $work/logs/$b.log, $work/logs/nginx-error.log)"
    [ "$status" = 200 ] || die "$b: $(path_of "$w") answered status '$status', expected 200 $hint"
    case $w in
        hello) [ "$(cat "$out")" = "hello world" ] && [ "$(stat -c %s "$out")" = 12 ] \
            || die "$b: /hello body is not 'hello world\\n' (got $(stat -c %s "$out") bytes) $hint" ;;
        bytes) [ "$(stat -c %s "$out")" = 65536 ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$bytes_sha" ] \
            || die "$b: /bytes/65536 body is $(stat -c %s "$out") bytes or not the i mod 251 pattern $hint" ;;
        upload) python3 - "$out" "$upload_sha" <<'EOF' || die "$b: /upload answered $(head -c 200 "$out") $hint"
import json, sys
answer = json.load(open(sys.argv[1]))
sys.exit(0 if answer.get("bodyLength") == 16384 and answer.get("bodySha256") == sys.argv[2] else 1)
EOF
            ;;
    esac
}

# ---------------------------------------------------------------- 4. and 5. load, RSS, CPU
tsv="$results/runs.tsv"
printf 'workload\tbackend\tconnections\trequests\tduration_us\tp50_us\tp99_us\tmean_us\tsocket_errors\tstatus_errors\tpeak_rss_kib\tcpu_s\tnginx_cpu_s\n' >"$tsv"

run_one() { # BACKEND WORKLOAD CONNECTIONS URL
    local b=$1 w=$2 c=$3 url=$4 stop="$work/sampler.stop" peak_file="$work/sampler.peak"
    local body_env=""
    [ "$w" = upload ] && body_env="$work/upload.bin"
    rm -f "$stop" "$peak_file"
    local roots=""
    [ -n "$backend_pid" ] && roots=$backend_pid
    # shellcheck disable=SC2086
    python3 "$here/procstat.py" peak "$stop" $((WARMUP + DURATION + 60)) $roots >"$peak_file" &
    sampler_pid=$!
    if [ "$WARMUP" -gt 0 ]; then
        LOAD_BODY_FILE=$body_env timeout --foreground -k 5 $((WARMUP + 30)) \
            wrk -t1 -c"$c" -d"${WARMUP}s" --timeout 10s -s "$here/wrk.lua" "$url" >/dev/null \
            || die "$b $w c=$c: wrk warm-up failed"
    fi
    local cpu0 cpu1 ng0 ng1 out
    # shellcheck disable=SC2086
    cpu0=$(python3 "$here/procstat.py" cpu $roots)
    ng0=$(python3 "$here/procstat.py" cpu "$nginx_pid")
    out=$(LOAD_BODY_FILE=$body_env timeout --foreground -k 5 $((DURATION + 30)) \
        wrk -t1 -c"$c" -d"${DURATION}s" --timeout 10s --latency -s "$here/wrk.lua" "$url") \
        || die "$b $w c=$c: wrk failed: $out"
    # shellcheck disable=SC2086
    cpu1=$(python3 "$here/procstat.py" cpu $roots)
    ng1=$(python3 "$here/procstat.py" cpu "$nginx_pid")
    touch "$stop"
    wait "$sampler_pid" || true
    sampler_pid=""
    local line
    line=$(grep '^LOADRESULT ' <<<"$out") || die "$b $w c=$c: no LOADRESULT line in wrk's output: $out"
    python3 - "$line" "$w" "$b" "$c" "$(cat "$peak_file")" "$cpu0" "$cpu1" "$ng0" "$ng1" >>"$tsv" <<'EOF'
import sys
line, w, b, c, peak, cpu0, cpu1, ng0, ng1 = sys.argv[1:]
f = dict(kv.split("=") for kv in line.split()[1:])
socket_errors = int(f["connect"]) + int(f["read"]) + int(f["write"]) + int(f["timeout"])
print("\t".join([w, b, c, f["requests"], f["duration_us"], f["p50_us"], f["p99_us"], f["mean_us"], str(socket_errors), f["status"],
                 peak or "0", f"{float(cpu1) - float(cpu0):.2f}", f"{float(ng1) - float(ng0):.2f}"]))
EOF
    tail -n1 "$tsv" | awk -F'\t' '{ printf "load:   %-24s %-6s c=%-4s %9.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d\n", $2, $1, $3, ($4 - $10) * 1e6 / $5, $6 / 1000, $7 / 1000, $9 + $10 }' >&2
}

for b in $BACKENDS; do
    say "backend $b"
    start_backend "$b"
    base="http://127.0.0.1:${port[$b]}"   # nginx's port for that backend; Kestrel's own for aspnet-kestrel-direct
    # Give a freshly started backend up to 30 s to answer /hello (uWSGI and PHP-FPM accept before they are ready).
    if [ "$b" != ceiling ]; then
        for _ in $(seq 300); do [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$base/hello" || true)" = 200 ] && break; sleep 0.1; done
    fi
    for w in $WORKLOADS; do
        if [ "$b" = ceiling ] && [ "$w" = upload ]; then continue; fi   # no nginx-only equivalent: n/a
        url="$base$(path_of "$w")"
        check "$b" "$w" "$url"
        for c in $CONNECTIONS; do run_one "$b" "$w" "$c" "$url"; done
    done
    stop_backend
done

# ---------------------------------------------------------------- 6. tables
machine="nproc $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n1); kernel $(uname -r); $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //'); dotnet $(dotnet --version)"
command -v uwsgi >/dev/null && machine+="; uWSGI $(uwsgi --version)"
[ -n "$php_fpm" ] && machine+="; $(php -v 2>/dev/null | head -n1 | cut -d'(' -f1 || "$php_fpm" -v | head -n1 | cut -d'(' -f1)"
machine+="; wrk $( (wrk -v 2>&1 || true) | head -n1 | awk '{print $2}')"
machine+="; load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$(( $(date +%s) - started ))
python3 "$here/report.py" "$tsv" "$machine" "$command_line" "$elapsed" "$BACKENDS" "$CONNECTIONS" "$DURATION" "$WARMUP" >"$results/results.md"
cat "$results/results.md"
say "results: $results/results.md (raw rows: $tsv); total $elapsed s"

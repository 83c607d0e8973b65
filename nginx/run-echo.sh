#!/usr/bin/env bash
# The main job: nginx on 127.0.0.1:8080 in front of the Echo sample on a Unix socket, both started here and both
# stopped on Ctrl-C. Installs nginx (Debian's nginx-light) if it is missing.
#   PORT=8080 PROTOCOL=uwsgi|fastcgi APP=echo|aspnetcore nginx/run-echo.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
protocol=${PROTOCOL:-uwsgi}
case "${APP:-echo}" in
    echo) project=Bridge.Samples.Echo ;;
    aspnetcore) project=Bridge.Samples.AspNetCore ;;
    *) echo "run-echo: APP is echo or aspnetcore"; exit 2 ;;
esac

nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
if [ -z "$nginx_bin" ]; then
    echo "run-echo: installing nginx (Debian's nginx-light)"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null
    nginx_bin=/usr/sbin/nginx
fi

dotnet build -c Release "$root/src/Samples/$project" -v quiet -nologo
work=$(mktemp -d /tmp/bridge-echo.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/tmp"
socket="$work/echo.sock"

# As root, nginx's workers run as www-data, as in production: give the socket that group (mode 0660).
user_directive=""
group_args=()
if [ "$(id -u)" -eq 0 ] && getent group www-data >/dev/null; then
    user_directive="user www-data;"
    group_args=(--socket-group www-data)
fi

if [ "$protocol" = "fastcgi" ]; then
    pass="            include /etc/nginx/fastcgi_params;\n            fastcgi_keep_conn on;\n            fastcgi_pass echo;"
else
    pass="            include /etc/nginx/uwsgi_params;\n            uwsgi_pass echo;"
fi
sed -e "s#{{USER_DIRECTIVE}}#$user_directive#" -e "s#{{PREFIX}}#$work#g" -e "s#{{PORT}}#$port#g" \
    -e "s#{{SOCKET}}#$socket#g" -e "s#{{PASS_BLOCK}}#$pass#" \
    "$root/nginx/templates/run-echo.conf.template" > "$work/nginx.conf"

dotnet "$root/src/Samples/$project/bin/Release/net10.0/$project.dll" \
    --listen "unix:$socket" --protocol "$protocol" "${group_args[@]}" &
echo_pid=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "run-echo: Echo did not create $socket"; kill "$echo_pid"; exit 1; }

"$nginx_bin" -p "$work" -c "$work/nginx.conf" &
nginx_pid=$!

stop() {
    trap - INT TERM EXIT
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    kill -TERM "$echo_pid" 2>/dev/null || true
    wait "$nginx_pid" "$echo_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap stop INT TERM EXIT

echo "run-echo: http://127.0.0.1:$port/ -> nginx -> $protocol -> $project on $socket (try /hello, /echo). Ctrl-C stops both."
wait -n "$nginx_pid" "$echo_pid"

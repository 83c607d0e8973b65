# The `dotnet-bridge run` supervisor as a container's entry point, on top of an app image built from ./Dockerfile: it binds
# the socket once and runs the app in worker processes (reload on SIGHUP, recycling, graceful stop on SIGTERM).
#   dotnet publish src/Bridge.Cli -c Release -r linux-x64 --self-contained -o bridge-publish
#   docker build -f nginx/containers/supervisor.Dockerfile --build-arg APP_IMAGE=myapp -t myapp-supervised bridge-publish
#   docker run -v sockets:/run/app myapp-supervised \
#       --listen unix:/run/app/app.sock --protocol uwsgi --socket-group 33 --workers 2 -- /usr/local/bin/bridge-app
# `docker kill -s HUP` reloads the app without closing the socket; docker stop stops gracefully (exit 0) within
# --graceful-timeout (30 s): give docker stop longer than that.
ARG APP_IMAGE
FROM ${APP_IMAGE}
COPY . /opt/bridge/
ENTRYPOINT ["/opt/bridge/dotnet-bridge", "run"]

# The container tests' nginx: Debian's nginx-light (1.22, as on the host) from the base image that
# tests/containers/build-images.sh makes with debootstrap. Each test mounts its own nginx.conf.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# SIGQUIT is nginx's graceful stop: in-flight requests finish (docker stop sends it).
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]

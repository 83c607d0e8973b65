#!/usr/bin/env bash
# The root file system of the container tests' base image: Debian minbase (debootstrap) with nginx-light, and what a
# self-contained .NET app needs beyond it (libssl3: OpenSSL for System.Security.Cryptography; globalization is
# invariant), plus the user Microsoft's runtime-deps images run apps as (app, uid and gid 1654).
#   rootfs.sh SUITE MIRROR DIR        (as root; MIRROR is read from this machine's apt sources by build-images.sh)
set -euo pipefail
suite=$1 mirror=$2 dir=$3
cache=/var/cache/bridge-tests/debootstrap   # the .debs, kept for the next build
mkdir -p "$cache"
# debootstrap keeps services from starting in the new system while it installs (nginx's postinst would start one).
debootstrap --variant=minbase --include=nginx-light,libssl3 --cache-dir="$cache" "$suite" "$dir" "$mirror"
cd "$dir"
echo 'app:x:1654:1654:app:/home/app:/usr/sbin/nologin' >> etc/passwd
echo 'app:x:1654:' >> etc/group
echo 'app:!:19000::::::' >> etc/shadow
mkdir -p home/app && chown 1654:1654 home/app
# No default site (the tests bring their own configs); no package caches, documents or translations.
rm -f etc/nginx/sites-enabled/default
rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* usr/share/doc/* usr/share/man/* usr/share/locale/* usr/share/info/*

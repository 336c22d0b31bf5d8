#!/usr/bin/env bash
# Vendored from the shared workplace tools (../shared/tools/podman-setup.sh) so the tests work without them.
# Makes rootful podman usable on these Debian 12 machines (no Docker engine, hybrid v1 cgroups, no
# CAP_SYS_RESOURCE, PID 1 is not systemd) and builds two local Debian images for molecule:
#   localhost/debian:bookworm          minbase + python3 + ca-certificates
#   localhost/debian-systemd:bookworm  the same + systemd (run with systemd: always, /sbin/init)
# Both trust the host's extra CAs (/usr/local/share/ca-certificates), if any.
# Idempotent. Images are cached as zstd tarballs in $IMAGE_CACHE (default ~/.cache/podman-images):
# a cold build takes about 2 minutes, a load from cache seconds.
# Usage: podman-setup.sh            (needs root; reaches only Debian's package mirror)
set -euo pipefail
CACHE=${IMAGE_CACHE:-$HOME/.cache/podman-images}
mkdir -p "$CACHE"

need=()
for p in podman runc debootstrap zstd; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# crun fails on hybrid cgroups; raising rlimits fails without CAP_SYS_RESOURCE; no systemd host => cgroupfs
CONF='[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"'
mkdir -p /etc/containers
if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$CONF" ]; then
  [ -f /etc/containers/containers.conf ] && cp -n /etc/containers/containers.conf /etc/containers/containers.conf.orig
  printf '%s\n' "$CONF" > /etc/containers/containers.conf
fi

build_image() {  # $1 tag, $2 debootstrap --include list
  local tag=$1 include=$2 tarball root
  tarball="$CACHE/$(echo "$1" | tr '/:' '__').tar.zst"
  if podman image exists "$tag"; then echo "image $tag present"; return; fi
  if [ -s "$tarball" ]; then podman load -q -i "$tarball" >/dev/null; echo "image $tag loaded from cache"; return; fi
  root=$(mktemp -d)
  echo "debootstrap $tag (--include=$include)"
  debootstrap --variant=minbase --include="$include" bookworm "$root" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} > "$root.log" 2>&1 \
    || { tail -20 "$root.log"; exit 1; }
  # trust what the host trusts: extra CAs (a TLS-inspecting egress proxy, a corporate CA) go into the
  # image's system bundle, so pip/npm/curl inside containers reach the registries like the host does
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import -q - "$tag" >/dev/null
  rm -rf "$root" "$root.log"
  podman save "$tag" | zstd -q -T0 -o "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
  echo "image $tag built"
}
build_image localhost/debian:bookworm python3,ca-certificates
build_image localhost/debian-systemd:bookworm systemd,systemd-sysv,python3,ca-certificates

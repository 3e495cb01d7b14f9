#!/usr/bin/env bash
# `make test-debian13`: a make target (default `test`) run on Debian 13 (QGIS 3.40, Python 3.13,
# GDAL 3.10, numpy 2) from any Debian machine, as root: a Debian 13 root made by debootstrap in
# build/debian13 (kept for the next run), this working tree copied into it, the shared fixtures
# mounted read-only beside it, and make run there as on a fresh Debian 13 machine (tools/bootstrap.sh
# installs QGIS and the venv inside). The two Debian releases FirstLight supports differ in what
# breaks: GDAL's exception switches, GeoJSON parsing, numpy 2, urllib3 2.
# `tools/debian13.sh --can` only says whether this machine can: root, allowed to mount, and 8 GB
# free for the root and its QGIS.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/apt.sh
TARGET=${1:-test}
SUITE=${DEBIAN13_SUITE:-trixie}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOTFS=${DEBIAN13_ROOT:-$PWD/build/debian13}
FIXTURES=${FIRSTLIGHT_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
if [ "$TARGET" = --can ]; then
  mkdir -p "$(dirname "$ROOTFS")"
  free_kb=$(df -Pk "$(dirname "$ROOTFS")" | awk 'NR == 2 {print $4}')
  if [ -d "$ROOTFS" ] || [ "$free_kb" -ge $((8 << 20)) ]; then
    probe=$(mktemp -d)
    trap 'rmdir "$probe"' EXIT
    if [ "$(id -u)" -eq 0 ] && mount -t tmpfs none "$probe" 2>/dev/null; then
      umount "$probe"
      exit 0
    fi
  fi
  echo "This machine cannot make a Debian 13 root: it needs root, mounts and 8 GB free." >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "make test-debian13 needs root (debootstrap, chroot and mounts): run it as root or with sudo." >&2
  exit 1
fi
if [ ! -d "$FIXTURES" ]; then
  echo "The shared fixtures are missing at $FIXTURES; set FIRSTLIGHT_FIXTURES." >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  apt_install debootstrap
fi

if [ ! -x "$ROOTFS/usr/bin/make" ]; then
  echo "Making a Debian 13 ($SUITE) root in $ROOTFS"
  for attempt in 1 2; do  # a second go after a mirror's hiccup
    rm -rf "$ROOTFS.part"
    if debootstrap --variant=minbase --include=ca-certificates,make,git "$SUITE" "$ROOTFS.part" "$MIRROR" \
      > "$ROOTFS.log" 2>&1; then
      break
    fi
    if [ "$attempt" = 2 ]; then
      tail -20 "$ROOTFS.log" >&2
      exit 1
    fi
  done
  # No service starts inside it (nginx's package would start one).
  printf '#!/bin/sh\nexit 101\n' > "$ROOTFS.part/usr/sbin/policy-rc.d"
  chmod +x "$ROOTFS.part/usr/sbin/policy-rc.d"
  rm -rf "$ROOTFS"
  mv "$ROOTFS.part" "$ROOTFS"
fi

# This machine's way out: its name servers, the certificate authorities it adds (a proxy's), pip's settings.
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
  chroot "$ROOTFS" update-ca-certificates >/dev/null 2>&1
fi
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$ROOTFS/etc/pip.conf"; fi

mounted=()
unmount() {
  local index
  for ((index = ${#mounted[@]} - 1; index >= 0; index--)); do
    umount -R "${mounted[$index]}" 2>/dev/null || umount -lR "${mounted[$index]}"
  done
}
trap unmount EXIT
mkdir -p "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/dev" "$ROOTFS/work/shared/fixtures"
# Each mount is listed as soon as it is made: whatever fails next (set -e), the trap unmounts it.
mount -t proc proc "$ROOTFS/proc"
mounted+=("$ROOTFS/proc")
for tree in /sys /dev; do
  mount --rbind "$tree" "$ROOTFS$tree"
  mounted+=("$ROOTFS$tree")
  # rslave: unmounting the copy afterwards must not unmount this machine's own /dev/pts
  mount --make-rslave "$ROOTFS$tree"
done
mount --bind "$FIXTURES" "$ROOTFS/work/shared/fixtures"
mounted+=("$ROOTFS/work/shared/fixtures")
mount -o remount,bind,ro "$ROOTFS/work/shared/fixtures"

# The working tree as git sees it (committed or not, ignored files left out), fresh each run.
rm -rf "$ROOTFS/work/firstlight"
mkdir -p "$ROOTFS/work/firstlight"
git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - --ignore-failed-read -c 2>/dev/null | tar -x -C "$ROOTFS/work/firstlight"

environment=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
for name in CI http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
  PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_CERT PIP_DEFAULT_TIMEOUT; do
  if [ -n "${!name:-}" ]; then environment+=("$name=${!name}"); fi
done
echo "Running make $TARGET on Debian 13 ($ROOTFS)"
# The venv lives outside the copied tree, so that the next run finds it set up.
chroot "$ROOTFS" /usr/bin/env -i "${environment[@]}" \
  bash -c "cd /work/firstlight && make VENV=/opt/firstlight-venv $TARGET"

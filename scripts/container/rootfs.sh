#!/usr/bin/env bash
# Test harness only (never used on a Pi): make sure a cached Debian rootfs with systemd
# exists for booting in systemd-nspawn, and print its path.
#   scripts/container/rootfs.sh [SUITE [ARCH]]   (default: trixie, this machine's arch)
# A foreign ARCH (arm64 on x86) runs under qemu-user: scripts/arm64-check.sh sets that up.
# The rootfs is built in a temporary directory and renamed into place only when
# debootstrap succeeded, so an interrupted build is never mistaken for a good cache.
set -euo pipefail
suite="${1:-trixie}"
arch="${2:-}"
cache="${CAMSTREAM_TEST_CACHE:-/var/cache/camstream-test}"
root="$cache/rootfs-$suite${arch:+-$arch}"

if [ -x "$root/usr/lib/systemd/systemd" ] && [ -f "$root/.camstream-rootfs-ok" ]; then
  echo "$root"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "rootfs: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

# The Debian mirror this machine already uses (deb822 or one-line sources); never hard-code one.
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
mirror="${mirror:-http://deb.debian.org/debian}"

mkdir -p "$cache"
# One build at a time (two test runs may start together); the second finds it done.
exec 9>"$cache/.rootfs-$suite${arch:+-$arch}.lock"
flock -w 900 9 || { echo "rootfs: another build of $root holds the lock for over 15 min" >&2; exit 1; }
if [ -x "$root/usr/lib/systemd/systemd" ] && [ -f "$root/.camstream-rootfs-ok" ]; then
  echo "$root"
  exit 0
fi
# Leftovers of interrupted builds are never reused. A debootstrap killed mid-way leaves
# its /proc (and maybe /sys, /dev/pts) mounted inside: unmount those first, deepest
# first, and never let rm cross into another file system (a host /dev bind, say).
#   remove_tmp PREFIX PATH...: unmount what is mounted under PREFIX, then remove PATHs.
remove_tmp() {
  local prefix=$1
  shift
  awk -v p="$prefix" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$@"
}
remove_tmp "$root.tmp." "$root.tmp."*
tmp="$root.tmp.$$"
echo "rootfs: debootstrap $suite from $mirror into $tmp (about a minute)" >&2
if ! debootstrap ${arch:+--arch="$arch"} --variant=minbase --include=systemd,systemd-sysv,dbus "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1; then
  tail -20 "$tmp.log" >&2
  echo "rootfs: debootstrap failed (log: $tmp.log)" >&2
  remove_tmp "$tmp" "$tmp"   # the log stays for the message above
  exit 1
fi
# Reproducible machine-id handling: an empty file makes systemd generate one per boot.
: >"$tmp/etc/machine-id"
touch "$tmp/.camstream-rootfs-ok"
rm -rf "$root"
mv "$tmp" "$root"
rm -f "$tmp.log"
echo "$root"

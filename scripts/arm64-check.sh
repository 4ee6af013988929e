#!/usr/bin/env bash
# Emulated ARM check (not part of the test suite; slow): run scripts/install.sh from this
# checkout in a Debian 13 arm64 container under qemu-user, to catch arch-specific
# breakage in the install path (package names, the native OpenCV build, node-gyp headers).
#
#   sudo scripts/arm64-check.sh            (needs qemu-user-static, debootstrap, systemd-container)
#
# Under qemu-user systemd cannot start services (docs: README "ARM check"), so install.sh
# is expected to get through every step up to "install and start the service" and stop
# there; the check then runs the installed app directly as the camstream user and asks
# it for /healthz (200) and a snapshot (a JPEG). Each phase's duration is printed; the
# whole run takes about 45 min on 2 cores. Exit 0 = all of that worked.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "arm64-check: [$(date -u +%H:%M:%S)] $*"; }
die() { echo "arm64-check: FAILED: $*" >&2; exit 1; }
t0=$SECONDS
phase_start=$SECONDS
phase() { log "-- $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

[ "$(id -u)" -eq 0 ] || die "run as root (systemd-nspawn, binfmt_misc)"
for c in systemd-nspawn debootstrap nsenter; do command -v "$c" >/dev/null || die "$c is missing (apt-get install systemd-container debootstrap util-linux)"; done
[ -x /usr/bin/qemu-aarch64-static ] || die "/usr/bin/qemu-aarch64-static is missing (apt-get install qemu-user-static)"

# 1. binfmt: without systemd as PID 1 on the host nothing registers qemu; the F flag opens
#    the interpreter now, so it also works inside the container's root.
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  printf '%s' ':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:FP' \
    >/proc/sys/fs/binfmt_misc/register
fi
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "qemu-aarch64 binfmt handler is not enabled"

# 2. A cached Debian 13 arm64 root (debootstrap, ~4 min the first time).
rootfs=$("$repo/scripts/container/rootfs.sh" trixie arm64)
[ "$(chroot "$rootfs" uname -m)" = aarch64 ] || die "$rootfs does not run as aarch64"
phase "arm64 rootfs ($rootfs)"

# 3. Boot it (ephemeral copy: -x) with a snapshot of this checkout (its files as they are
#    now: edits during the long run do not reach it) read-only at /src. Host network:
#    apt needs the mirror; the app gets a port unlikely to be taken on this machine.
port=$(( 20000 + RANDOM % 20000 ))
name="arm64check-$$"
boot_log=$(mktemp /tmp/arm64-check-nspawn.XXXXXX.log)
src=$(mktemp -d /tmp/arm64-check-src.XXXXXX)
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$src"
chmod 755 "$src"
extra=() ca_env=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  # Build machines that reach the npm registry through a TLS proxy trust an extra CA (as
  # test/appliance/container.test.ts does); a real Pi needs none of this.
  extra+=(--bind-ro=/etc/ssl/certs/ca-certificates.crt:/srv/host-ca.crt)
  ca_env=(NODE_EXTRA_CA_CERTS=/srv/host-ca.crt)
fi
# Downloaded .debs are kept on the host between runs (the ephemeral root forgets them), so
# a second run spends its time on dpkg and the build, not on the mirror.
apt_cache="${CAMSTREAM_TEST_CACHE:-/var/cache/camstream-test}/apt-archives-arm64"
mkdir -p "$apt_cache/partial"
systemd-nspawn -D "$rootfs" -M "$name" -x --register=no --keep-unit --console=passive \
  --bind-ro="$src:/src" --bind="$apt_cache:/var/cache/apt/archives" "${extra[@]}" -b >"$boot_log" 2>&1 &
nspawn=$!
leader=""
cleanup() {
  [ -z "$leader" ] || nsenter -t "$leader" -a pkill -u camstream 2>/dev/null || true
  if kill -0 "$nspawn" 2>/dev/null; then
    kill -TERM "$nspawn" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$nspawn" 2>/dev/null || break; sleep 1; done
    kill -KILL "$nspawn" 2>/dev/null || true
  fi
  rm -rf "$src"
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  leader=$(pgrep -P "$nspawn" -x systemd | head -1 || true)
  [ -n "$leader" ] && break
  kill -0 "$nspawn" 2>/dev/null || die "systemd-nspawn exited while booting: $(tail -5 "$boot_log")"
  sleep 0.5
done
[ -n "$leader" ] || die "the container's PID 1 did not appear (log: $boot_log)"
inside() { nsenter -t "$leader" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "${ca_env[@]}" /bin/bash -c "$1"; }
for _ in $(seq 1 300); do
  state=$(inside 'systemctl is-system-running 2>/dev/null' || true)
  case "$state" in running|degraded) break ;; esac
  sleep 1
done
log "container $name booted: $(inside 'uname -m; . /etc/os-release; echo $PRETTY_NAME' | tr '\n' ' ')(state ${state:-?})"
phase "boot"

# Test harness only: dpkg's fsync after every file costs most of an emulated apt run; a
# throw-away root does not need it (a Pi's install keeps dpkg's default).
inside 'echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/camstream-test-unsafe-io; echo "APT::Keep-Downloaded-Packages \"true\";" >/etc/apt/apt.conf.d/99camstream-test-keep'

# 4. The real install.sh. Its own "== STEP (at Ns)" lines give each step's duration.
log "running scripts/install.sh --port $port inside (apt, native build: most of the time)"
set +e
inside "bash /src/scripts/install.sh --port $port" 2>&1 | tee /tmp/arm64-check-install.log | sed 's/^/    /'
rc=${PIPESTATUS[0]}
set -e
phase "install.sh (exit $rc)"
sed -nE 's/^install\.sh: == (.*) \(at ([0-9]+)s\)$/\2|\1/p' /tmp/arm64-check-install.log |
  awk -F'|' 'NR > 1 { printf "    step %-30s %5d s\n", name, $1 - at } { name = $2; at = $1 }
             END { if (NR) printf "    step %-30s (last one, began at %d s)\n", name, at }'
if [ "$rc" -ne 0 ]; then
  # Expected under qemu-user: systemd cannot start the unit. Anything earlier is a finding.
  # (install.sh's last step was called "wait for /healthz" before its health gate
  # became systemd's view of the service.)
  grep -Eq "FAILED at step '(install and start the service|wait until the service reports healthy|wait for /healthz)'" /tmp/arm64-check-install.log ||
    die "install.sh failed before the service step (see above; log /tmp/arm64-check-install.log)"
  log "install.sh stopped at the service step, as expected under qemu-user (systemd cannot start units here)"
fi

addon=/opt/camstream/node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node
inside "test -f $addon" || die "$addon is missing"
log "addon: $(inside "file -b $addon 2>/dev/null || true; du -k $addon | cut -f1" | tr '\n' ' ')KiB; ldd lists $(inside "ldd $addon | wc -l") libraries, $(inside "ldd $addon | grep -c libopencv_" || true) of them OpenCV's"

# 5. The app itself, as the service would run it, on the test pattern.
inside "cd /opt/camstream && setsid runuser -u camstream -- env CAMSTREAM_CAMERA_SOURCE=testpattern \$(command -v node) dist/src/cli.js serve --config /etc/camstream.json >/tmp/camstream.log 2>&1 &"
# GET /healthz straight from the app (appliance.js health asks systemd, which cannot run
# the service under qemu-user).
health=""
for _ in $(seq 1 300); do
  health=$(inside "node -e \"
    require('http').get({ host: '127.0.0.1', port: $port, path: '/healthz' }, (r) => {
      let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => console.log(r.statusCode, b.trim())); })
      .on('error', (e) => console.log('error', e.message));\"" 2>/dev/null || true)
  case "$health" in 200\ *) break ;; esac
  sleep 1
done
case "$health" in 200\ *) log "/healthz: $health" ;; *) inside 'tail -20 /tmp/camstream.log' >&2 || true; die "/healthz did not answer 200 (last: ${health:-nothing})" ;; esac
snap=$(inside "node -e \"
  require('http').get({ host: '127.0.0.1', port: $port, path: '/snapshot.jpg' }, (r) => {
    const b = []; r.on('data', (c) => b.push(c)); r.on('end', () => { const j = Buffer.concat(b);
      console.log(r.statusCode, j.length, j[0] === 0xff && j[1] === 0xd8 && j.at(-2) === 0xff && j.at(-1) === 0xd9 ? 'jpeg' : 'not-jpeg'); });
  }).on('error', (e) => console.log('error', e.message));\"")
log "snapshot: $snap (status, bytes, kind)"
case "$snap" in "200 "*" jpeg") ;; *) die "no JPEG snapshot" ;; esac
# /proc, not ps: Debian's minimal root has no procps. Under qemu-user this is the
# emulator's memory too, not a Pi's.
log "app resident memory: $(inside "uid=\$(id -u camstream); for f in /proc/[0-9]*/status; do awk -v u=\$uid '/^Uid:/ { mine = (\$2 == u) } /^VmRSS:/ { r = \$2 } END { if (mine) print r }' \$f 2>/dev/null; done | awk '{ s += \$1 } END { print int(s / 1024) }'") MB (emulated)"
phase "run the app directly"
log "OK: arm64 install path works under emulation; total $((SECONDS - t0)) s"

#!/usr/bin/env bash
# Install or upgrade camstream as a systemd service, from this checkout.
#
#   sudo scripts/install.sh [--port N]
#
# For Raspberry Pi OS / Debian 13 (Trixie) and Debian 12 (Bookworm, with Node.js 20+
# already installed). Safe to run again: a newer checkout upgrades in place, and if the
# new version does not become healthy the previous one is put back.
#
#   --port N   port for a NEW /etc/camstream.json (an existing one is never touched)
#
# What it does, in order (a failure names the step):
#   1 checks the system   2 installs Debian packages   3 creates the camstream user
#   4 builds the app      5 stages it with production dependencies only
#   6 writes or validates /etc/camstream.json   7 installs the unit, (re)starts it
#   8 waits for the service to report itself healthy (rolls back an upgrade that fails)
#   9 prints the URLs to open
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
APP=/opt/camstream
NEW=/opt/camstream.new
PREV=/opt/camstream.prev
BUILD=/var/cache/camstream/build
CONF=/etc/camstream.json
UNIT=/etc/systemd/system/camstream.service
SERVICE=camstream
SVC_USER=camstream
HEALTH_TIMEOUT_S=${CAMSTREAM_HEALTH_TIMEOUT_S:-90}

port=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "install.sh: --port needs a number" >&2; exit 64; }; port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 64 ;;
  esac
done

if [ -n "$port" ] && ! { [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ]; }; then
  echo "install.sh: --port: expected an integer 1..65535, got '$port'" >&2
  exit 64
fi

step="starting"
log() { echo "install.sh: $*"; }
die() { echo "install.sh: FAILED at step '$step': $*" >&2; exit 1; }
# $? and $LINENO are taken in the trap itself: inside a function they would be the function's.
on_err() { echo "install.sh: FAILED at step '$step' (exit $1 from: $BASH_COMMAND, line $2)" >&2; exit "$1"; }
trap 'on_err $? $LINENO' ERR
begin() { step="$1"; log "== $1 (at ${SECONDS}s)"; }

# ---------------------------------------------------------------------------------------
begin "check the system"
[ "$(id -u)" -eq 0 ] || die "run as root: sudo $0"
[ -f "$SRC/package.json" ] && [ -f "$SRC/systemd/camstream.service" ] || die "$SRC does not look like a camstream checkout"
# shellcheck disable=SC1091
. /etc/os-release
codename="${VERSION_CODENAME:-}"
case "${ID:-}:${ID_LIKE:-}" in
  debian:*|raspbian:*|*:*debian*) ;;
  *) die "expected Raspberry Pi OS or Debian, got ${PRETTY_NAME:-unknown OS}" ;;
esac
case "$codename" in
  trixie|bookworm) ;;
  *) die "expected Debian 13 (trixie) or 12 (bookworm) / the Raspberry Pi OS built on them, got ${PRETTY_NAME:-?} (${codename:-no codename})" ;;
esac
arch=$(dpkg --print-architecture)
case "$arch" in
  arm64|armhf|amd64) ;;
  armel) die "architecture armel (ARMv6: Pi 1, Pi Zero W) has no Node.js 20; use a Pi with an ARMv7/ARMv8 CPU (Pi 2 or later, Pi Zero 2 W)" ;;
  *) die "expected architecture arm64, armhf or amd64, got $arch" ;;
esac
log "system: ${PRETTY_NAME:-$codename}, $arch"
# The OpenCV addon's compile (step "build") is what runs a small board out of memory:
# refuse now, before anything is installed, unless the build cache makes it unneeded.
# shellcheck source=lib/compile-memory.sh
. "$SRC/scripts/lib/compile-memory.sh"
if [ -f "$BUILD/node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node" ] &&
   [ "$(cut -c1-64 "$BUILD/.deps-stamp" 2>/dev/null)" = "$(sha256sum "$SRC/package-lock.json" 2>/dev/null | cut -c1-64)" ]; then
  log "memory: the build cache should make the OpenCV compile unnecessary"
else
  compile_jobs_plan || die "not enough memory + swap for the OpenCV compile (what to do: above)"
  log "memory: $COMPILE_MEMORY_NOTE"
fi

node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$codename" = bookworm ] && [ "$(node_major)" -lt 20 ]; then
  die "Debian 12 / Raspberry Pi OS Bookworm ships Node.js 18, and camstream needs Node.js 20 or newer.
  Either move to Raspberry Pi OS / Debian 13 (Trixie), which has Node.js 20, or install Node.js 20+
  first (for example from NodeSource: https://github.com/nodesource/distributions), then run this again."
fi
[ -d /run/systemd/system ] || die "systemd is not running as PID 1 here; camstream installs as a systemd service"

# ---------------------------------------------------------------------------------------
begin "install Debian packages"
export DEBIAN_FRONTEND=noninteractive
# ffmpeg: USB MJPEG passthrough (no decode, no re-encode); v4l-utils: webcam flips by V4L2 controls.
# OpenCV: only the four modules camstream calls, not libopencv-dev's 33 (scripts/opencv-slim/env.sh).
# shellcheck source=opencv-slim/env.sh
. "$SRC/scripts/opencv-slim/env.sh"
pkgs=(g++ make python3 pkg-config "${OPENCV_SLIM_PACKAGES[@]}" ffmpeg v4l-utils)
# qrencode: the phone URL as a QR code at the end; avahi-daemon: "camstream on HOSTNAME"
# in network browsers (Raspberry Pi OS has it; plain Debian may not).
pkgs+=(qrencode avahi-daemon)
# Trixie's own Node.js; on Bookworm the Node 20+ checked above is used as it is.
if [ "$codename" = trixie ] && [ "$(node_major)" -lt 20 ]; then pkgs+=(nodejs npm libnode-dev); fi
# Debian's nodejs keeps its headers (for compiling the OpenCV addon) in libnode-dev;
# NodeSource's nodejs ships them itself and conflicts with libnode-dev.
if [ "$(node_major)" -ge 20 ] && [ ! -f /usr/include/node/node.h ] &&
   dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -qv nodesource; then
  pkgs+=(libnode-dev)
fi
if ! command -v npm >/dev/null 2>&1 && [[ " ${pkgs[*]} " != *" npm "* ]]; then pkgs+=(npm); fi
apt-get update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list*"
# The Pi camera (CSI) is read through rpicam-vid. Raspberry Pi OS carries it; plain
# Debian does not, and USB cameras work without it.
if dpkg-query -W -f='${Status}' rpicam-apps 2>/dev/null | grep -q "install ok installed" ||
   dpkg-query -W -f='${Status}' rpicam-apps-lite 2>/dev/null | grep -q "install ok installed"; then
  log "rpicam-apps: already installed"
elif apt-cache show rpicam-apps-lite >/dev/null 2>&1; then
  pkgs+=(rpicam-apps-lite)
elif apt-cache show rpicam-apps >/dev/null 2>&1; then
  pkgs+=(rpicam-apps)
else
  log "rpicam-apps: not in this system's package archive (not Raspberry Pi OS): skipping; USB cameras work through OpenCV"
fi
log "apt-get install ${pkgs[*]}"
apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/tmp/camstream-apt.log 2>&1 || {
  tail -20 /tmp/camstream-apt.log >&2
  die "apt-get install failed (full log: /tmp/camstream-apt.log)"
}
[ "$(node_major)" -ge 20 ] || die "Node.js 20 or newer is needed, got $(node --version 2>/dev/null || echo none)"
NODE=$(command -v node)
log "node: $NODE $(node --version), npm $(npm --version)"

# ---------------------------------------------------------------------------------------
begin "create the camstream user"
getent group video >/dev/null || groupadd --system video
if ! id "$SVC_USER" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "camstream camera streamer" "$SVC_USER"
  log "created system user $SVC_USER"
fi
# Camera device nodes (/dev/video*, /dev/media*, /dev/dma_heap/*) belong to group video.
usermod -a -G video "$SVC_USER"

# ---------------------------------------------------------------------------------------
begin "build"
# The build directory is a cache kept between runs: when the dependencies and the Node
# version are unchanged, an upgrade skips `npm ci` and the OpenCV addon's compile
# (minutes on a Pi) and only recompiles the TypeScript.
mkdir -p "$BUILD"
# What the app is made of at run time: compiled src/, the phone page's static files in
# web/, the documented config example and the unit. Tests and benchmarks stay out.
APP_DIRS=(src web config systemd)
for d in "${APP_DIRS[@]}" dist; do rm -rf "${BUILD:?}/$d"; done
for f in package.json package-lock.json tsconfig.json README.md LICENSE; do
  rm -f "$BUILD/$f"
  if [ -f "$SRC/$f" ]; then cp "$SRC/$f" "$BUILD/$f"; fi
done
[ -f "$BUILD/package-lock.json" ] || die "$SRC/package-lock.json is missing; a reproducible install needs it"
for d in "${APP_DIRS[@]}"; do
  if [ -d "$SRC/$d" ]; then cp -a "$SRC/$d" "$BUILD/"; fi
done

# Native addons compile against the installed Node's headers instead of downloading
# them (most Pis have no route to nodejs.org): Debian's nodejs has them under /usr.
if [ "$NODE" = /usr/bin/node ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
# @u4/opencv4nodejs builds against Debian's OpenCV, never a downloaded one, and only for
# the modules camstream calls.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
opencv_slim_env "$BUILD/opencv-slim" || die "the OpenCV development packages are incomplete (above)"
stamp="$(sha256sum "$BUILD/package-lock.json" | cut -c1-64) node-$("$NODE" -p 'process.versions.modules')-$arch opencv-slim-$(cat "$SRC"/scripts/opencv-slim/env.sh "$SRC"/scripts/opencv-slim/include/opencv2/* | sha256sum | cut -c1-12)"
addon=node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node
if [ -d "$BUILD/node_modules" ] && [ -f "$BUILD/$addon" ] && [ "$(cat "$BUILD/.deps-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "dependencies unchanged: reusing the build cache in $BUILD"
else
  # Parallel compile jobs from free memory (scripts/lib/compile-memory.sh), checked again
  # here: the Node.js version may have changed since step 1 thought the cache was good.
  compile_jobs_plan || die "not enough memory + swap for the OpenCV compile (what to do: above)"
  export JOBS=$COMPILE_JOBS
  log "npm ci with $COMPILE_MEMORY_NOTE: several minutes, up to ~30 on a Pi 3"
  rm -rf "$BUILD/node_modules" "$BUILD/.deps-stamp"
  (cd "$BUILD" && npm ci --foreground-scripts --no-audit --no-fund) >"$BUILD/npm-ci.log" 2>&1 || {
    tail -30 "$BUILD/npm-ci.log" >&2
    die "npm ci failed (full log: $BUILD/npm-ci.log)"
  }
  [ -f "$BUILD/$addon" ] || die "the OpenCV addon did not build ($addon missing; log: $BUILD/npm-ci.log)"
  echo "$stamp" >"$BUILD/.deps-stamp"
fi
(cd "$BUILD" && npm run -s build) >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log" >&2; die "TypeScript build failed (log: $BUILD/build.log)"; }
[ -f "$BUILD/dist/src/cli.js" ] || die "the build produced no dist/src/cli.js"

# ---------------------------------------------------------------------------------------
begin "stage the new version"
rm -rf "$NEW"
mkdir -p "$NEW"
cp -a "$BUILD/package.json" "$BUILD/package-lock.json" "$BUILD/dist" "$BUILD/node_modules" "$NEW/"
for d in "${APP_DIRS[@]}"; do
  if [ -d "$BUILD/$d" ]; then cp -a "$BUILD/$d" "$NEW/"; fi
done
if [ -f "$BUILD/README.md" ]; then cp "$BUILD/README.md" "$NEW/"; fi
# Production dependencies only: TypeScript and the test tools are not needed to run.
(cd "$NEW" && npm prune --omit=dev --offline --no-audit --no-fund) >"$BUILD/prune.log" 2>&1 || { tail -20 "$BUILD/prune.log" >&2; die "npm prune failed (log: $BUILD/prune.log)"; }
[ ! -e "$NEW/node_modules/typescript" ] || die "dev dependencies are still in $NEW/node_modules after npm prune"
chmod -R u=rwX,go=rX "$NEW"
new_version=$("$NODE" "$NEW/dist/src/cli.js" --version) || die "the new build does not run: $NODE $NEW/dist/src/cli.js --version failed"
old_version=$( [ -f "$APP/dist/src/cli.js" ] && "$NODE" "$APP/dist/src/cli.js" --version 2>/dev/null || echo "")
log "staged camstream $new_version${old_version:+ (installed: $old_version)}"

# ---------------------------------------------------------------------------------------
begin "configuration"
if [ -f "$CONF" ]; then
  # Never overwritten. But a config the new version rejects stops the upgrade here,
  # while the running version keeps running.
  if ! out=$("$NODE" "$NEW/dist/src/cli.js" check-config "$CONF" 2>&1); then
    echo "$out" >&2
    rm -rf "$NEW"
    die "camstream $new_version rejects $CONF (errors above). Nothing was changed: fix those keys, then run install.sh again."
  fi
  # The service reads it through its group (a reinstall may have a new camstream gid).
  chgrp "$SVC_USER" "$CONF"
  chmod g+r "$CONF"
  log "$CONF kept as it is (valid for $new_version)"
  [ -z "$port" ] || log "--port $port ignored: $CONF exists (edit server.port in it instead)"
else
  tmp="$CONF.tmp.$$"
  if ! "$NODE" "$NEW/dist/src/cli.js" example-config >"$tmp" 2>/dev/null; then
    # Older builds without example-config: the documented example, or all defaults.
    if [ -f "$NEW/config/camstream.example.json" ]; then cp "$NEW/config/camstream.example.json" "$tmp"; else echo '{}' >"$tmp"; fi
  fi
  [ -z "$port" ] || "$NODE" "$SRC/scripts/lib/appliance.js" set-port "$tmp" "$port"
  out=$("$NODE" "$NEW/dist/src/cli.js" check-config "$tmp" 2>&1) || { echo "$out" >&2; rm -f "$tmp"; die "the default configuration does not validate"; }
  # Readable by the service (group), writable by root only; it may hold password hashes.
  chown root:"$SVC_USER" "$tmp"
  chmod 0640 "$tmp"
  mv "$tmp" "$CONF"
  log "wrote $CONF (every key documented inline; edit it, then: systemctl restart camstream)"
fi

# ---------------------------------------------------------------------------------------
install_unit() {
  # The unit is a real file in the checkout; only the Node.js path is adapted.
  sed -E "s#^(ExecStart|ExecReload)=/usr/bin/node #\1=$NODE #" "$APP/systemd/camstream.service" >"$UNIT.tmp"
  chmod 0644 "$UNIT.tmp"
  mv "$UNIT.tmp" "$UNIT"
  systemctl daemon-reload
}

# How the service is doing, from systemd (scripts/lib/appliance.js health): READY=1 and
# the STATUS= line the service's main process sends. Not an HTTP request: that would
# fail on every secured camera (auth.users, TLS, server.allow without 127.0.0.1), and a
# way past them for the probe would be a hole. Prints "live …" / "idle …" (frames flow,
# or the camera is released on purpose), "up …" (running, camera not delivering),
# "activating …", "failed …" or "down …".
probe() { "$NODE" "$SRC/scripts/lib/appliance.js" health "$SERVICE" 2>&1 || true; }

# Healthy = live or idle. Running without frames ("up") counts when the camera was not
# delivering before either (fresh install, camera unplugged), once the camera has had
# 15 s to start: the new version cannot be blamed for that.
# Prints the last probe; returns 0 when healthy.
wait_healthy() {
  local need_live="$1" deadline=$((SECONDS + HEALTH_TIMEOUT_S)) answer="" restarts0
  restarts0=$(systemctl show -P NRestarts "$SERVICE")
  while [ $SECONDS -lt $deadline ]; do
    answer=$(probe)
    case "$answer" in
      live\ *|idle\ *) echo "$answer"; return 0 ;;
      up\ *) if [ "$need_live" = 0 ] && [ $((deadline - SECONDS)) -lt $((HEALTH_TIMEOUT_S - 15)) ]; then echo "$answer"; return 0; fi ;;
      failed\ *) break ;;
    esac
    # Crashing and being restarted (Restart=on-failure) is not coming up.
    if [ "$(systemctl show -P NRestarts "$SERVICE")" -ge $((restarts0 + 3)) ]; then
      answer="restarted 3 times, last: $answer"
      break
    fi
    sleep 1
  done
  echo "${answer:-no answer}"
  return 1
}

begin "install and start the service"
was_live=0
if [ -d "$APP" ] && systemctl is-active --quiet "$SERVICE"; then
  case "$(probe)" in live\ *|idle\ *) was_live=1 ;; esac
fi
rm -rf "$PREV"
if [ -d "$APP" ]; then mv "$APP" "$PREV"; fi
mv "$NEW" "$APP"
install_unit
systemctl enable --quiet "$SERVICE"
start_ok=1
systemctl restart "$SERVICE" || start_ok=0

begin "wait until the service reports healthy"
if [ "$start_ok" = 1 ] && answer=$(wait_healthy "$was_live"); then
  rm -rf "$PREV"
  case "$answer" in
    live\ *|idle\ *) log "camstream $new_version is up: $answer" ;;
    *) log "camstream $new_version is running, but the camera is not delivering frames yet: $answer"
       log "check camera.source / camera.device in $CONF and: journalctl -u camstream" ;;
  esac
else
  answer="${answer:-start failed}"
  echo "---- journalctl -u $SERVICE (last 30 lines) ----" >&2
  journalctl -u "$SERVICE" -n 30 --no-pager >&2 || true
  echo "----" >&2
  if [ -d "$PREV" ]; then
    log "camstream $new_version did not become healthy ($answer): rolling back to ${old_version:-the previous version}"
    systemctl stop "$SERVICE" || true
    rm -rf "$APP"
    mv "$PREV" "$APP"
    install_unit
    systemctl reset-failed "$SERVICE" 2>/dev/null || true
    if systemctl restart "$SERVICE" && back=$(wait_healthy 0); then
      die "upgrade to $new_version failed ($answer); rolled back to ${old_version:-the previous version}, which is running again ($back)"
    fi
    die "upgrade to $new_version failed ($answer), and the rolled-back ${old_version:-previous version} did not come up either: see journalctl -u camstream"
  fi
  die "camstream did not become healthy ($answer); see the journal lines above (journalctl -u camstream)"
fi

# ---------------------------------------------------------------------------------------
begin "done"
# Found by name: advertised as "camstream on HOSTNAME" (_http._tcp) over mDNS.
. "$SRC/scripts/lib/found-by-name.sh"
avahi_port=$("$NODE" -e 'console.log(require(process.argv[1]).loadConfig({ path: process.argv[2] }).config.server.port)' "$APP/dist/src/config/load.js" "$CONF")
if install_avahi_service "$APP/config/avahi-camstream.service" "$avahi_port"; then
  systemctl enable --now --quiet avahi-daemon 2>/dev/null || log "avahi-daemon is not running: the camera is not advertised by name"
  log "advertised on the LAN as \"camstream on $(hostname)\" (_http._tcp, port $avahi_port): $AVAHI_SERVICES/camstream.service"
fi
log "open one of these on your phone (same network):"
"$NODE" "$SRC/scripts/lib/appliance.js" urls "$APP" "$CONF" | sed 's/^/    /'
first_url=$("$NODE" "$SRC/scripts/lib/appliance.js" urls "$APP" "$CONF" | head -1 | cut -d' ' -f1)
log "or point the phone's camera at this QR code ($first_url):"
print_qr "$first_url"
log "settings: $CONF   logs: journalctl -u camstream -f   status: systemctl status camstream"

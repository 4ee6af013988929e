#!/usr/bin/env bash
# Set up a checkout on a fresh Debian 12/13 or Raspberry Pi OS machine: the system
# packages camstream builds against, then npm dependencies (OpenCV bindings built
# against Debian's OpenCV) and the TypeScript build.
#   scripts/setup.sh          what running the server needs
#   scripts/setup.sh --test   plus what the test suite drives (ffmpeg, chromium, systemd-nspawn…)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# OpenCV: only the four modules camstream calls (scripts/opencv-slim/env.sh), not the
# libopencv-dev metapackage (33 modules, Qt, VTK...).
# shellcheck source=opencv-slim/env.sh
. scripts/opencv-slim/env.sh
# ffmpeg: USB webcam MJPEG passthrough (-c:v copy); v4l-utils: flips by the webcam's own
# controls (v4l2-ctl). Without them camstream decodes and re-encodes with OpenCV.
pkgs=(g++ make python3 pkg-config "${OPENCV_SLIM_PACKAGES[@]}" ffmpeg v4l-utils)
# qrencode: /qr.svg, the phone page's QR code of its own address.
pkgs+=(qrencode)
if ! command -v node >/dev/null 2>&1; then
  # Debian 13 / Raspberry Pi OS Trixie carry Node 20; Debian 12's is too old (see README).
  pkgs+=(nodejs npm libnode-dev)
fi
if [ "$want_test" = 1 ]; then
  # openssl: TLS tests make a throwaway certificate; bsdutils: `script` gives hash-password a pty;
  # and the shellcheck package: test/scripts/shellcheck.test.ts keeps scripts/ clean
  pkgs+=(ffmpeg curl iproute2 procps chromium systemd-container debootstrap util-linux vlc-bin vlc-plugin-base ansible openssh-client openssl bsdutils shellcheck)
  # zbar-tools (zbarimg) reads the page's QR code back; xmllint and avahi-daemon's DTD
  # check the Avahi service file.
  pkgs+=(zbar-tools libxml2-utils avahi-daemon)
  # faketime: the clock-jump test moves the wall clock of a running camstream (libfaketime)
  pkgs+=(faketime)
  # gstreamer1.0-plugins-base: videotestsrc/appsink for the OpenCV GStreamer source test
  pkgs+=(gstreamer1.0-plugins-base)
  # strace: the settings state-file test checks the write, fsync, rename, fsync order
  pkgs+=(strace)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js $(node --version) is too old; camstream needs Node 20 or newer (Debian 13 / Raspberry Pi OS Trixie: apt-get install nodejs)" >&2
  exit 1
fi

# Build native addons against the installed Node's headers instead of downloading
# them (no internet on many Pis): Debian's nodejs ships them in libnode-dev under /usr.
if [ "$(command -v node)" = /usr/bin/node ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
# Build @u4/opencv4nodejs against Debian's OpenCV; its auto-build would download OpenCV.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
opencv_slim_env "$PWD/.opencv-slim"
export JOBS="${JOBS:-$(nproc)}"

addon=node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node
if [ ! -f "$addon" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (builds the OpenCV bindings: a few minutes)"
  npm ci --foreground-scripts --no-audit --no-fund >/tmp/camstream-npm-ci.log 2>&1 || {
    tail -40 /tmp/camstream-npm-ci.log >&2
    echo "setup: npm ci failed (full log: /tmp/camstream-npm-ci.log)" >&2
    exit 1
  }
fi
if ! opencv_slim_addon_ok "$addon"; then
  echo "setup: the OpenCV addon links more OpenCV modules than camstream uses: rebuilding it slim"
  npm rebuild @u4/opencv4nodejs --foreground-scripts >/tmp/camstream-npm-rebuild.log 2>&1 || {
    tail -40 /tmp/camstream-npm-rebuild.log >&2
    echo "setup: rebuilding the OpenCV addon failed (full log: /tmp/camstream-npm-rebuild.log)" >&2
    exit 1
  }
fi
# npm may skip install scripts it has not been told to allow: check the addon exists.
[ -f "$addon" ] || { echo "setup: the OpenCV addon did not build ($addon missing); see /tmp/camstream-npm-ci.log" >&2; exit 1; }
npm run -s build
echo "setup: ready"

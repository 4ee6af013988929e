# Sourced by scripts/setup.sh and scripts/install.sh before `npm ci`: makes
# @u4/opencv4nodejs compile its bindings for the four OpenCV modules camstream calls
# (core, imgproc, imgcodecs, videoio) instead of every module Debian ships.
#
#   . scripts/opencv-slim/env.sh; opencv_slim_env DIR
#
# opencv4nodejs decides what to compile from two places, both redirected into DIR:
#  - the HAVE_OPENCV_* list in <opencv2/opencv_modules.hpp>: OPENCV_INCLUDE_DIR=DIR/include
#    puts include/opencv2/ from here ahead of Debian's headers (DIR/include/opencv4
#    links to Debian's /usr/include/opencv4, which opencv4nodejs adds second);
#  - the libraries it links: every libopencv_<module>.so it finds in OPENCV_LIB_DIR,
#    here DIR/lib with links to those four only.
# The addon then links 4 OpenCV libraries, not 18, and needs only the Debian packages
# in OPENCV_SLIM_PACKAGES (no Qt, GTK, VTK, HDF5, Tesseract...).

OPENCV_SLIM_MODULES=(core imgproc imgcodecs videoio)
OPENCV_SLIM_PACKAGES=(libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev)

opencv_slim_env() {
  local dir="$1" here inc libdir="" m d
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  inc=/usr/include/opencv4
  [ -f "$inc/opencv2/core.hpp" ] || { echo "opencv-slim: $inc/opencv2/core.hpp missing (apt-get install ${OPENCV_SLIM_PACKAGES[*]})" >&2; return 1; }
  for d in "/usr/lib/$(gcc -dumpmachine 2>/dev/null)" /usr/lib/*-linux-gnu* /usr/lib /usr/local/lib; do
    if [ -e "$d/libopencv_core.so" ]; then libdir="$d"; break; fi
  done
  [ -n "$libdir" ] || { echo "opencv-slim: libopencv_core.so not found (apt-get install ${OPENCV_SLIM_PACKAGES[*]})" >&2; return 1; }
  rm -rf "$dir"
  mkdir -p "$dir/include" "$dir/lib"
  cp -r "$here/include/opencv2" "$dir/include/"
  ln -s "$inc" "$dir/include/opencv4"
  for m in "${OPENCV_SLIM_MODULES[@]}"; do
    [ -e "$libdir/libopencv_$m.so" ] || { echo "opencv-slim: $libdir/libopencv_$m.so missing (apt-get install libopencv-$m-dev)" >&2; return 1; }
    # Only the unversioned link-time name: at run time the addon finds the versioned
    # library (its SONAME) through the system's library path, so DIR may be deleted.
    ln -s "$libdir/libopencv_$m.so" "$dir/lib/"
  done
  export OPENCV_INCLUDE_DIR="$dir/include" OPENCV_LIB_DIR="$dir/lib" OPENCV_BIN_DIR=/usr/bin
}

# opencv_slim_addon_ok ADDON: true when ADDON links no OpenCV library beyond the slim
# modules (a checkout built before the slim build links 18: setup.sh rebuilds it).
opencv_slim_addon_ok() {
  local linked m
  linked=$(ldd "$1" 2>/dev/null | grep -o 'libopencv_[a-z0-9_]*\.so' | sort -u) || return 1
  [ -n "$linked" ] || return 1
  for m in "${OPENCV_SLIM_MODULES[@]}"; do linked=$(grep -vx "libopencv_$m\.so" <<<"$linked" || true); done
  [ -z "$linked" ]
}

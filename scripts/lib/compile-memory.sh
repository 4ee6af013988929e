# Memory for compiling the OpenCV addon (@u4/opencv4nodejs) on the board itself, and how
# many parallel compile jobs fit. Sourced by scripts/install.sh; README "Small boards".
#
# Measured on the slim build (scripts/opencv-slim): the largest compile unit's cc1plus
# (cc/core/Mat.cc, 970 MB with g++ 12 on x86-64; the same unit in the full build)
# peaks at COMPILE_PEAK_MB resident; every parallel job may hold that much at once, and
# npm + node-gyp + make and the rest of the system need COMPILE_RESERVE_MB beside it.
# Without enough RAM + swap the kernel's OOM killer ends the build part-way, and on a
# headless Pi it may pick sshd.
COMPILE_PEAK_MB=1000
COMPILE_RESERVE_MB=200

# meminfo_mb KEY: that /proc/meminfo line in MB (0 when absent). CAMSTREAM_MEMINFO names
# another file in its format (tests show the refusal and the job choice with it).
meminfo_mb() {
  awk -v k="$1:" '$1 == k { mb = int($2 / 1024); found = 1 } END { print found ? mb : 0 }' "${CAMSTREAM_MEMINFO:-/proc/meminfo}"
}

# compile_jobs_plan: sets COMPILE_JOBS (JOBS if the caller set it, else as many as fit in
# free RAM, 1..CPUs) and COMPILE_MEMORY_NOTE; when even that cannot fit in RAM + swap,
# prints what to do on stderr and returns 1.
compile_jobs_plan() {
  local avail swap swap_total cpus fit need short add total
  avail=$(meminfo_mb MemAvailable)
  swap=$(meminfo_mb SwapFree)
  swap_total=$(meminfo_mb SwapTotal)
  cpus=$(nproc)
  if [ -n "${JOBS:-}" ]; then
    [[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "install.sh: JOBS: expected a number of compile jobs >= 1, got '$JOBS'" >&2; return 1; }
    COMPILE_JOBS=$JOBS
  else
    fit=$(( (avail - COMPILE_RESERVE_MB) / COMPILE_PEAK_MB ))
    COMPILE_JOBS=$(( fit < 1 ? 1 : fit > cpus ? cpus : fit ))
  fi
  need=$(( COMPILE_JOBS * COMPILE_PEAK_MB + COMPILE_RESERVE_MB ))
  if [ $(( avail + swap )) -lt "$need" ]; then
    short=$(( need - avail - swap ))
    add=$(( (short + 255) / 256 * 256 ))           # a round size, at least what is missing
    total=$(( (swap_total + add + 255) / 256 * 256 ))
    cat >&2 <<EOF
install.sh: not enough memory to compile the OpenCV bindings here.
  The compile needs about $need MB ($COMPILE_JOBS job(s) x $COMPILE_PEAK_MB MB measured peak, + $COMPILE_RESERVE_MB MB for npm
  and the system); this machine has $avail MB of RAM available and $swap MB of swap free.
  Started anyway, the kernel would kill the build (or sshd) part-way. Add at least $add MB of swap, then
  run install.sh again (swap makes the compile slower, not fail):
    Raspberry Pi OS (dphys-swapfile): set CONF_SWAPSIZE=$total (and CONF_MAXSWAP=$total if lower) in
      /etc/dphys-swapfile, then: sudo dphys-swapfile swapoff; sudo dphys-swapfile setup; sudo dphys-swapfile swapon
    Any Debian (also where swap is zram only, which compresses RAM and cannot supply this much):
      sudo fallocate -l ${add}M /var/swap.camstream && sudo chmod 600 /var/swap.camstream &&
      sudo mkswap /var/swap.camstream && sudo swapon /var/swap.camstream
      (afterwards: sudo swapoff /var/swap.camstream && sudo rm /var/swap.camstream)
EOF
    [ -n "${JOBS:-}" ] && [ "$JOBS" -gt 1 ] && echo "  Or fewer parallel jobs: JOBS=1 (you set JOBS=$JOBS)." >&2
    return 1
  fi
  COMPILE_MEMORY_NOTE="$COMPILE_JOBS compile job(s) for the OpenCV bindings ($avail MB RAM available, $swap MB swap free; each job peaks at ~$COMPILE_PEAK_MB MB)"
  if [ $(( avail )) -lt "$need" ]; then
    COMPILE_MEMORY_NOTE="$COMPILE_MEMORY_NOTE; it will use swap: slower, expect an hour or more on a Pi Zero 2 W"
  fi
  return 0
}

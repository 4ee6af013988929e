#!/usr/bin/env bash
# Remove camstream: the service, the app, its build cache and the camstream user.
# /etc/camstream.json (your settings), /var/lib/camstream (camera settings changed from the
# page) and drop-ins in /etc/systemd/system/camstream.service.d are kept, so a later
# install.sh picks them up again, unless --purge.
#
#   sudo scripts/uninstall.sh [--purge]
#
# Debian packages install.sh added (nodejs, libopencv-dev, …) stay: other software may
# use them; remove them with apt if you want.
set -euo pipefail

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "uninstall.sh: unknown argument '$1' (try --help)" >&2; exit 64 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "uninstall.sh: run as root: sudo $0" >&2; exit 1; }

log() { echo "uninstall.sh: $*"; }
UNIT=/etc/systemd/system/camstream.service

if [ -d /run/systemd/system ]; then
  if systemctl cat camstream >/dev/null 2>&1; then
    log "stopping and disabling camstream"
    systemctl disable --now --quiet camstream 2>/dev/null || systemctl stop camstream 2>/dev/null || true
  fi
fi
rm -f "$UNIT" /etc/systemd/system/multi-user.target.wants/camstream.service
if [ "$purge" = 1 ]; then rm -rf /etc/systemd/system/camstream.service.d; fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl reset-failed camstream 2>/dev/null || true
fi

rm -rf /opt/camstream /opt/camstream.new /opt/camstream.prev /var/cache/camstream
# The Avahi advertisement ("camstream on HOSTNAME"); avahi-daemon itself stays.
rm -f /etc/avahi/services/camstream.service
log "removed /opt/camstream and the build cache /var/cache/camstream"

if id camstream >/dev/null 2>&1; then
  userdel camstream
  log "removed user camstream"
fi
# useradd --user-group made a group of the same name; userdel removes it unless
# something else joined it.
if getent group camstream >/dev/null 2>&1; then groupdel camstream 2>/dev/null || true; fi

if [ "$purge" = 1 ]; then
  rm -f /etc/camstream.json
  rm -rf /var/lib/camstream
  log "removed /etc/camstream.json and /var/lib/camstream"
elif [ -f /etc/camstream.json ]; then
  log "kept /etc/camstream.json and /var/lib/camstream (remove them with --purge)"
fi
log "done"

# shellcheck shell=bash
# camstream found by name (sourced by install.sh; tests source it too):
# the phone URL as a QR code in the terminal (scan it from the ssh window) and the
# Avahi service file that advertises "camstream on HOSTNAME" (_http._tcp) on the LAN.
# AVAHI_SERVICES may point elsewhere (tests); it defaults to avahi-daemon's folder.

AVAHI_SERVICES="${AVAHI_SERVICES:-/etc/avahi/services}"

# print_qr URL: the URL as a QR code drawn with text blocks (Debian's qrencode).
print_qr() {
  if command -v qrencode >/dev/null 2>&1; then
    qrencode -t ANSIUTF8 -m 2 "$1"
  else
    echo "(install qrencode to see this URL as a QR code here)"
  fi
}

# install_avahi_service TEMPLATE PORT: the service file with the port filled in, replaced
# whole (avahi-daemon re-reads the folder when it changes). Returns non-zero on failure.
install_avahi_service() {
  local template="$1" port="$2" dest="$AVAHI_SERVICES/camstream.service"
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "found-by-name: expected a port number, got '$port'" >&2; return 1; }
  mkdir -p "$AVAHI_SERVICES" || return 1
  sed "s#<port>[0-9]*</port>#<port>$port</port>#" "$template" >"$dest.tmp" || return 1
  chmod 0644 "$dest.tmp" && mv "$dest.tmp" "$dest"
}

remove_avahi_service() {
  rm -f "$AVAHI_SERVICES/camstream.service" "$AVAHI_SERVICES/camstream.service.tmp"
}

#!/usr/bin/env bash
# Installs the Debian packages the GUI and web UI tests need (xvfb, xdotool, tk, chromium) — as root with apt —
# or says what to install.
# It never silently skips: without the packages and without a way to install them, it fails with the exact command.
set -euo pipefail
want="${1:-xvfb}"
case "$want" in
  xvfb) check() { command -v Xvfb >/dev/null && command -v xdotool >/dev/null && test -x /usr/bin/chromium; }
        pkgs="xvfb xdotool x11-utils chromium chromium-driver" ;;
  tk)   check() { python3 -c 'import tkinter' 2>/dev/null; }; pkgs="python3-tk tk" ;;
  *) echo "unknown: $want" >&2; exit 2 ;;
esac
check && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing $pkgs with apt-get…"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
  check && exit 0
fi
echo "Missing system packages for the GUI and web UI tests. Install them, e.g.: sudo apt-get install $pkgs" >&2
exit 1

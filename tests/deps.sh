#!/bin/sh
# deps.sh: install the Debian packages named as arguments when any is missing.
# Installs with apt-get as root or through passwordless sudo; otherwise prints
# the exact command and fails, so nothing is half-done silently.
missing=""
for pkg in "$@"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $pkg"
done
if [ -z "$missing" ]; then
	echo "deps: all present ($*)"
	exit 0
fi
echo "deps: missing:$missing"
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo="sudo"
else
	echo "deps: run this as root, then try again:"
	echo "  apt-get update && apt-get install -y$missing"
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q && $sudo apt-get install -y -q $missing

#!/bin/sh
# Fetches the lwIP sources the kernel's TCP/IP stack is built from:
# Debian's source package lwip, pinned here (the one place the version
# lives) and checked by sha256, unpacked into a git-ignored folder. Never
# committed. Only the upstream tarball is used: Debian's patches port the
# library to the Hurd and to a shared-library build, which the kernel
# does not need (kernel/net/README.md).
# Usage: scripts/lwip-src.sh [DESTDIR]   (default: build/lwip-src)
set -eu

LWIP_VERSION=2.1.3+dfsg1-2
LWIP_ORIG=lwip_2.1.3+dfsg1.orig.tar.xz
LWIP_ORIG_SHA256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24

dest=${1:-build/lwip-src}
tree="$dest/lwip-2.1.3"
marker="$tree/.osprey-unpacked"

if [ -f "$marker" ]; then
	echo "lwip-src: $tree already unpacked"
	touch "$marker"
	exit 0
fi
mkdir -p "$dest"
if [ ! -f "$dest/$LWIP_ORIG" ]; then
	# deb-src entries must be enabled (scripts/deps.sh does it).
	(cd "$dest" && apt-get source --download-only -q "lwip=$LWIP_VERSION") || {
		echo "lwip-src: apt-get source lwip=$LWIP_VERSION failed (run scripts/deps.sh)" >&2
		exit 1
	}
fi
echo "$LWIP_ORIG_SHA256  $dest/$LWIP_ORIG" | sha256sum -c --quiet - || {
	echo "lwip-src: $dest/$LWIP_ORIG does not have the pinned sha256; refusing it" >&2
	rm -f "$dest/$LWIP_ORIG"
	exit 1
}
rm -rf "$tree"
tar -xJf "$dest/$LWIP_ORIG" -C "$dest"
[ -f "$tree/src/core/tcp.c" ] || { echo "lwip-src: $tree/src/core/tcp.c missing after unpacking" >&2; exit 1; }
touch "$marker"
echo "lwip-src: lwIP $LWIP_VERSION unpacked in $tree"

#!/bin/sh
# Fetches the zlib sources that the ZFS module's gzip compression is built
# from: Debian's source package zlib, pinned here (the one place the
# version lives) and checked by sha256, unpacked into a git-ignored folder.
# Never committed. Only the upstream tarball is used: Debian's two patches
# touch minizip's and the shared library's build, which libzfs.so does not
# use (modules/zfs/README.md).
# Usage: scripts/zlib-src.sh [DESTDIR]   (default: build/zlib-src)
set -eu

ZLIB_VERSION=1:1.2.13.dfsg-1
ZLIB_ORIG=zlib_1.2.13.dfsg.orig.tar.bz2
ZLIB_ORIG_SHA256=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1

dest=${1:-build/zlib-src}
tree="$dest/zlib-1.2.13.dfsg"
marker="$tree/.osprey-unpacked"

if [ -f "$marker" ]; then
	echo "zlib-src: $tree already unpacked"
	touch "$marker"
	exit 0
fi
mkdir -p "$dest"
if [ ! -f "$dest/$ZLIB_ORIG" ]; then
	# deb-src entries must be enabled (scripts/deps.sh does it).
	(cd "$dest" && apt-get source --download-only -q "zlib=$ZLIB_VERSION") || {
		echo "zlib-src: apt-get source zlib=$ZLIB_VERSION failed (run scripts/deps.sh)" >&2
		exit 1
	}
fi
echo "$ZLIB_ORIG_SHA256  $dest/$ZLIB_ORIG" | sha256sum -c --quiet - || {
	echo "zlib-src: $dest/$ZLIB_ORIG does not have the pinned sha256; refusing it" >&2
	rm -f "$dest/$ZLIB_ORIG"
	exit 1
}
rm -rf "$tree"
tar -xjf "$dest/$ZLIB_ORIG" -C "$dest"
[ -f "$tree/deflate.c" ] || { echo "zlib-src: $tree/deflate.c missing after unpacking" >&2; exit 1; }
touch "$marker"
echo "zlib-src: zlib $ZLIB_VERSION unpacked in $tree"

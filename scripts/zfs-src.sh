#!/bin/sh
# Fetches the OpenZFS sources the ZFS module is built from: Debian's
# zfs-dkms, pinned here (the one place the version lives) and checked by
# sha256, unpacked into a git-ignored folder. Never committed.
# The patches in modules/zfs/patches (each says why it is needed) are then
# applied; a marker in the tree names the set applied, and a different set
# makes the tree be unpacked afresh.
# Usage: scripts/zfs-src.sh [DESTDIR]   (default: build/zfs-src)
set -eu

ZFS_VERSION=2.1.11-1+deb12u1
ZFS_DEB_SHA256=2863f936900d315b499ab67cc7b7db3bcba9d5fc5fd33ec5f12fb3ed1ff5580e

dest=${1:-build/zfs-src}
deb="$dest/zfs-dkms_${ZFS_VERSION}_all.deb"
tree="$dest/usr/src/zfs-${ZFS_VERSION%%-*}"

patches=$(cd "$(dirname "$0")/../modules/zfs/patches" && pwd)
set -- "$patches"/*.patch
[ -e "$1" ] || set --
applied=$(cat "$@" </dev/null | sha256sum | cut -c1-16)
marker="$tree/.osprey-patches"

if [ -d "$tree/module/zfs" ]; then
	if [ "$(cat "$marker" 2>/dev/null)" = "$applied" ]; then
		echo "zfs-src: $tree already unpacked and patched"
		touch "$marker"
		exit 0
	fi
	echo "zfs-src: patches changed; unpacking $tree afresh"
	rm -rf "$tree"
fi
mkdir -p "$dest"
if [ ! -f "$deb" ]; then
	# contrib must be enabled (scripts/deps.sh does it).
	(cd "$dest" && apt-get download -q "zfs-dkms=$ZFS_VERSION")
fi
echo "$ZFS_DEB_SHA256  $deb" | sha256sum -c --quiet - || {
	echo "zfs-src: $deb does not have the pinned sha256; refusing it" >&2
	rm -f "$deb"
	exit 1
}
dpkg -x "$deb" "$dest"
for p in "$@"; do
	patch -s -p1 -d "$tree" <"$p" || { echo "zfs-src: $p does not apply" >&2; exit 1; }
	echo "zfs-src: applied $(basename "$p")"
done
echo "$applied" >"$marker"
echo "zfs-src: OpenZFS $ZFS_VERSION unpacked in $tree"

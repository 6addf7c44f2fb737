#!/bin/sh
# Fetches the OpenZFS sources the ZFS module is built from: Debian's
# zfs-dkms, pinned here (the one place the version lives) and checked by
# sha256, unpacked into a git-ignored folder. Never committed.
# Usage: scripts/zfs-src.sh [DESTDIR]   (default: build/zfs-src)
set -eu

ZFS_VERSION=2.1.11-1+deb12u1
ZFS_DEB_SHA256=2863f936900d315b499ab67cc7b7db3bcba9d5fc5fd33ec5f12fb3ed1ff5580e

dest=${1:-build/zfs-src}
deb="$dest/zfs-dkms_${ZFS_VERSION}_all.deb"
tree="$dest/usr/src/zfs-${ZFS_VERSION%%-*}"

if [ -d "$tree/module/zfs" ]; then
	echo "zfs-src: $tree already unpacked"
	exit 0
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
echo "zfs-src: OpenZFS $ZFS_VERSION unpacked in $tree"

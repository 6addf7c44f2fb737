#!/bin/sh
# Installs the Debian packages that Osprey's build, tests and benchmarks need.
# Idempotent and non-interactive: packages already present are left alone.
set -eu

PKGS="gcc make binutils qemu-system-x86 musl-tools liblz4-dev libzstd-dev gdisk
busybox-static cpio squashfs-tools erofs-utils hyperfine gnuplot-nox zstd
clang libclang-rt-14-dev xxd e2fsprogs python3"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

# OpenZFS lives in Debian's contrib component: add it to the existing entry's
# Components line rather than writing a new source.
enable_contrib() {
	f=/etc/apt/sources.list.d/debian.sources
	[ -f "$f" ] || return 0
	grep -q '^Components:.*contrib' "$f" && return 0
	sed -i '/^Components:/{/contrib/!s/$/ contrib/}' "$f"
	echo "deps: enabled contrib in $f"
	need_update=1
}

need_update=0
enable_contrib
if [ -n "$missing" ] || [ "$need_update" = 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
fi
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt-get install -y -q --no-install-recommends $missing
fi
echo "deps: all packages present"

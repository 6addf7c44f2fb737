#!/bin/sh
# Makes an ext2 image from a directory tree, the way the tests do:
#   modules/ext2/mkext2.sh DIR IMG SIZE [BLOCK_SIZE] [extra mke2fs options...]
# e.g. modules/ext2/mkext2.sh rootfs/ build/ext2.img 64M 1024
# SIZE takes mke2fs's suffixes (K, M, G). Needs e2fsprogs (mke2fs).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: $0 DIR IMG SIZE [BLOCK_SIZE] [mke2fs options...]" >&2
	exit 2
fi
dir=$1 img=$2 size=$3
shift 3
bs=4096
if [ $# -gt 0 ]; then
	bs=$1
	shift
fi
PATH=/usr/sbin:/sbin:$PATH
rm -f "$img"
# -E root_owner: the root directory belongs to root whoever builds it.
mke2fs -q -F -t ext2 -b "$bs" -E root_owner=0:0 "$@" -d "$dir" "$img" "$size"

#!/bin/sh
# Installs the Debian packages that Osprey's build, tests and benchmarks need.
# Idempotent and non-interactive: packages already present are left alone.
set -eu

PKGS="gcc make binutils qemu-system-x86 musl-tools liblz4-dev libzstd-dev gdisk
busybox-static cpio squashfs-tools erofs-utils hyperfine gnuplot-nox zstd
clang libclang-rt-14-dev xxd e2fsprogs python3 zfsutils-linux patch libsqlite3-dev
sqlite3 openssl perl redis-server redis-tools memcached libmemcached-tools
iproute2 iputils-ping iperf3 bzip2"

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

# lwIP and zlib are built from Debian's source packages (scripts/lwip-src.sh,
# scripts/zlib-src.sh; zlib's tarball is bzip2), which apt-get source finds
# only with deb-src entries: add that type to the existing entries' Types
# lines too.
enable_deb_src() {
	f=/etc/apt/sources.list.d/debian.sources
	[ -f "$f" ] || return 0
	grep -q '^Types:.*deb-src' "$f" && return 0
	sed -i '/^Types:/{/deb-src/!s/$/ deb-src/}' "$f"
	echo "deps: enabled deb-src in $f"
	need_update=1
}

need_update=0
enable_contrib
enable_deb_src
if [ -n "$missing" ] || [ "$need_update" = 1 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
fi
# zfsutils-linux gives the tests zdb, which reads pools in userspace and needs
# no kernel module. --no-install-recommends keeps zfs-dkms (a kernel module
# build) out. Its postinst still tries `modprobe zfs` (tolerated) and, on a
# machine without systemd (a container), starts the zfs-import/mount/share
# init scripts: zfs-import's start fails when it cannot load the module, and
# the postinst then fails, leaving the package unconfigured. A policy-rc.d
# answering 101 ("not allowed") makes invoke-rc.d and deb-systemd-invoke skip
# every start. Containers usually have one already; otherwise one is put
# there for this install only.
policy=/usr/sbin/policy-rc.d
own_policy=0
case " $missing " in
*" zfsutils-linux "*)
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
		trap 'rm -f "$policy"' EXIT
	fi ;;
esac
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	apt-get install -y -q --no-install-recommends $missing
fi
if [ "$own_policy" = 1 ]; then
	rm -f "$policy"
	trap - EXIT
fi
echo "deps: all packages present"

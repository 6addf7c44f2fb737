# find: -type, -name, -exec CMD {} ';' (once per file), -exec CMD {} +
# (batched), -exec sh -c with arguments, -print0 into xargs -0,
# -size, -empty, -mindepth/-maxdepth, -prune, -depth with -exec rmdir, and
# the exit status of -exec (busybox's find has no -delete). Output is sorted: directory order differs between filesystems.
umask 022
W=$(mktemp -d /tmp/find.XXXXXX)
cd "$W" || exit 1
mkdir -p t/a/b/c t/d t/skip/deep
for f in t/1.txt t/a/2.txt t/a/b/3.log t/a/b/c/4.txt t/d/5.log t/skip/6.txt t/skip/deep/7.txt; do
	echo "content of $f" > "$f"
done
echo "with space" > "t/d/name with space.txt"
find t | sort
echo ---
find t -type d | sort
echo ---
find t -type f -name '*.txt' | sort
echo ---
find t -name '*.log' -exec cat {} ';' | sort
echo ---
find t -type f -exec wc -c {} + | grep -v total | sed 's/^ *//' | sort -k2
echo ---
find t -type f -name '*.txt' -exec sh -c 'for f; do echo "$(basename "$f"): $(wc -c < "$f")"; done' sh {} + | sort
echo ---
find t -name '*space*' -print0 | xargs -0 cat
echo ---
find t -mindepth 2 -maxdepth 2 | sort
echo ---
find t -path t/skip -prune -o -type f -print | sort
echo ---
find t -size +0 -name '4.txt'
find t -empty | sort
echo ---
find t -name '*.log' -exec false {} ';'
echo "-exec false: $?"
find t -name '*.log' -exec sh -c 'echo "renaming $1"; mv "$1" "$1.old"' sh {} ';' | sort
find t -name '*.old' | sort
echo ---
find t/skip -type f -exec rm {} +
find t/skip -depth -type d -exec rmdir {} ';'
[ -e t/skip ] && echo "still there" || echo "deleted"
find t -type f | wc -l
find t/no-such-dir 2>/dev/null
echo "missing start: $?"
cd / && rm -rf "$W"

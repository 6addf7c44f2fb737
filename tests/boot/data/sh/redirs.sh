# Redirections: >, >>, <, 2>, 2>&1 and its order, >&2, 2>/dev/null,
# descriptor numbers above 2, swapping stdout and stderr through a third
# descriptor, <> (read-write), noclobber (set -C) and >|, redirections
# on compound commands and loops, and the order of several redirections.
umask 022
W=$(mktemp -d /tmp/redirs.XXXXXX)
cd "$W" || exit 1
echo one > f
echo two >> f
echo three >> f
cat f
wc -l < f
tr a-z A-Z < f > g
cat g
ls no-such-file 2> err || true
wc -l < err
{ echo out; echo err >&2; } > both 2>&1
sort both
{ echo out; echo err >&2; } 2>&1 > only-out | sed 's/^/pipe got: /'
cat only-out
{ { echo out; echo err >&2; } 3>&1 1>&2 2>&3 3>&- | sed 's/^/swapped: /'; } 2>/dev/null
echo to-stderr >&2 2>/dev/null
echo "discarded" 2>/dev/null >/dev/null
echo "status of a redirection to /dev/null: $?"
exec 3>three
echo "via 3" >&3
exec 3>&-
cat three
echo "0123456789" > rw
exec 4<>rw
read -n 4 x <&4
printf 'AB' >&4
exec 4>&-
echo "read $x, then wrote at the offset:"
cat rw
set -C
{ echo new > f; } 2>/dev/null || echo "noclobber refused"
echo forced >| f
cat f
set +C
for i in 1 2 3; do echo "loop $i"; done > loop
cat loop
if true; then echo "in if"; fi >> loop
tail -n 1 loop
while read l; do echo "read: $l"; done < loop
echo a > x1 > x2
echo "x1: $(wc -c < x1) x2: $(cat x2)"
cat < f > copied
cmp f copied && echo "copy equal"
: > truncated
wc -c < truncated
> empty
wc -c < empty
cat <<EOF2 > heredoc-file
from a here-document
EOF2
cat heredoc-file
( echo subshell-out; echo subshell-err >&2 ) > sub 2>&1
sort sub
echo hello 1>&2 2>&1 | wc -c
cd / && rm -rf "$W"

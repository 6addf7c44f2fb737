# Exit statuses: $? after builtins, programs, functions (return N),
# negation with `!`, command not found (127), not executable (126),
# statuses above 255, killed children (128 + signal), `exit` without an
# argument, and && || chains.
umask 022
W=$(mktemp -d /tmp/status.XXXXXX)
cd "$W" || exit 1
true; echo "true: $?"
false; echo "false: $?"
! true; echo "! true: $?"
! false; echo "! false: $?"
sh -c 'exit 0'; echo "exit 0: $?"
sh -c 'exit 255'; echo "exit 255: $?"
sh -c 'exit 256'; echo "exit 256: $?"
sh -c 'exit 513'; echo "exit 513: $?"
f() { return $1; }
f 0; echo "return 0: $?"
f 42; echo "return 42: $?"
no-such-command-here 2>/dev/null; echo "not found: $?"
printf 'echo hi\n' > plain
chmod 644 plain
./plain 2>/dev/null; echo "not executable: $?"
mkdir adir
./adir 2>/dev/null; echo "a directory: $?"
sh -c 'kill -TERM $$'; echo "killed by TERM: $?"
sh -c 'kill -KILL $$'; echo "killed by KILL: $?"
sh -c 'false; exit'; echo "exit after false: $?"
true && false || echo "|| after failing &&: $?"
false || true && echo "&& after ||: $?"
false; false || echo "status inside ||: $?"
x=$(sh -c 'exit 3'); echo "substitution status: $?"
if sh -c 'exit 2'; then :; else echo "else sees: $?"; fi
while sh -c 'exit 4'; do :; done; echo "after while: $?"
case x in y) ;; esac; echo "case without a match: $?"
[ -d adir ]; echo "test -d: $?"
[ -f adir ]; echo "test -f: $?"
test 3 -lt 2; echo "3 -lt 2: $?"
expr 1 + 1 >/dev/null; echo "expr 2: $?"
expr 1 - 1 >/dev/null; echo "expr 0: $?"
grep -q nothing plain; echo "grep no match: $?"
grep -q nothing no-such-file 2>/dev/null; echo "grep error: $?"
cd / && rm -rf "$W"
sh -c 'exit 17'

# trap: EXIT runs at the end (also after exit N, keeping N), signals
# sent to the shell run their handler, `trap -` restores the default, an
# ignored signal (''), traps of a subshell, a child killed while the
# shell traps TERM, and the listing of traps.
umask 022
trap 'echo "EXIT trap, status $?"' EXIT
trap 'echo got USR1' USR1
kill -USR1 $$
echo "after USR1"
trap 'echo got USR2; n=$((n + 1))' USR2
n=0
kill -USR2 $$
kill -USR2 $$
echo "USR2 handled $n times"
trap '' HUP
kill -HUP $$
echo "HUP ignored"
trap - USR1
sh -c 'kill -USR1 $$; echo not reached'
echo "child killed by USR1: $?"
(trap 'echo "subshell TERM"; exit 3' TERM; sh -c 'kill -TERM $PPID'; echo no)
echo "subshell status: $?"
(trap 'echo subshell exit trap' EXIT; exit 4)
echo "subshell with exit trap: $?"
trap 'echo got TERM' TERM
kill -TERM $$
echo "after TERM"
trap
sh -c 'trap "echo inner exit \$?" EXIT; exit 6'
echo "inner: $?"
sh -c 'trap "echo INT handler; exit 2" INT; kill -INT $$; echo no'
echo "INT: $?"
exit 5

# Subshells: ( ) runs in a copy of the shell (variables, cd, traps,
# options and exit stay inside), { } in the shell itself; exit statuses
# of subshells, nesting, functions in subshells, $( ) as a subshell, and
# a subshell's output redirected as one unit.
umask 022
v=outer
(v=inner; echo "inside: $v")
echo "outside: $v"
cd /tmp
(cd /; echo "subshell pwd: $(pwd)")
echo "shell pwd: $(pwd)"
(exit 9)
echo "(exit 9): $?"
( (exit 4); echo "inner status $?"; exit 6 )
echo "outer status: $?"
{ v=grouped; }
echo "after { }: $v"
f() { echo "f sees $1"; return 3; }
(f arg)
echo "function in subshell returned: $?"
( set -e; false; echo "not reached" )
echo "set -e subshell: $?"
echo "options outside: $(case $- in *e*) echo e-set;; *) echo e-unset;; esac)"
(trap 'echo trap in subshell' EXIT; echo body)
x=$( (echo a; echo b) | wc -l)
echo "lines of a subshell: $x"
( echo one; echo two >&2 ) 2>&1 | sort -r
depth=$( ( ( ( echo 4 ) ) ) )
echo "depth: $depth"
(unset v; echo "unset inside: [${v-unset}]")
echo "still set: $v"
(export NEWVAR=exported; sh -c 'echo "child sees $NEWVAR"')
echo "outside: [${NEWVAR-none}]"
( exit 300 )
echo "exit 300: $?"
echo "pid unchanged in subshell: $( [ "$(echo $$)" = "$$" ] && echo yes || echo no)"

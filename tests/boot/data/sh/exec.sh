# exec: replacing the shell (later lines never run, the status is the
# new program's), exec with only redirections (opening, duplicating,
# closing descriptors for the rest of the shell), exec in a subshell,
# and exec of a missing program.
umask 022
W=$(mktemp -d /tmp/exec.XXXXXX)
cd "$W" || exit 1
sh -c 'exec echo replaced; echo not reached'
echo "status: $?"
sh -c 'exec sh -c "exit 12"; echo not reached'
echo "exec'd child's status: $?"
exec 3>fd3.txt
echo "line one" >&3
echo "line two" >&3
exec 3>&-
cat fd3.txt
echo "closed: $( (echo x >&3) 2>/dev/null && echo open || echo closed)"
exec 4<fd3.txt
read a <&4
read b <&4
exec 4<&-
echo "read $a / $b"
exec 5>>fd3.txt
echo appended >&5
exec 5>&-
wc -l < fd3.txt
exec 6>&1
exec >stdout.txt
echo "into the file"
exec 1>&6 6>&-
echo "back on stdout"
cat stdout.txt
(exec sh -c 'echo in-subshell; exit 3'; echo not reached)
echo "subshell exec: $?"
sh -c 'exec /no/such/program' 2>/dev/null
echo "missing: $?"
sh -c 'exec 7</no/such/file; echo not reached' 2>/dev/null
echo "bad redirection: $?"
exec 8>&1
sh -c 'echo via inherited fd 8 >&8'
exec 8>&-
cd / && rm -rf "$W"
exec echo "the last line, from exec"
echo "never"

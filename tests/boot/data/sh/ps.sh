# busybox ps reads /proc/PID/stat, status and cmdline: the lines of this
# shell and of ps itself, without the pids and paths that differ between
# runs and machines.
ps -o pid,ppid,stat,comm > /tmp/ps.$$ & child=$!
wait
head -1 /tmp/ps.$$
while read pid ppid stat comm; do
	[ "$pid" = $$ ] && echo "shell: comm $comm"	# its state races with ps
	[ "$pid" = $child ] && [ "$ppid" = $$ ] && echo "ps: stat $stat, comm $comm"
done < /tmp/ps.$$
ps > /tmp/ps.$$ & child=$!
wait
head -1 /tmp/ps.$$
while read pid user cmd; do
	set -- $cmd
	[ "$pid" = $$ ] && echo "shell: $# words, the last ${cmd##*/}"
	[ "$pid" = $child ] && echo "ps: $1, $# words, the last ${cmd##*/}"
done < /tmp/ps.$$
rm /tmp/ps.$$
# /proc lists this shell; its stat names it.
ls /proc | grep -qx $$ && echo "listed in /proc"
read pid comm state ppid rest < /proc/$$/stat
echo "stat: $comm $state"

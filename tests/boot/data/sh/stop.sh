# Stopping a background job and letting it go on: kill -STOP, its state
# in /proc/PID/stat (T), kill -CONT (S again, asleep), a second stop, and
# kill -KILL of the stopped job, whose status `wait` then gives (137).
# A stopped job holds no CPU: its utime+stime do not change meanwhile.
# States are waited for (up to 5 s), so a loaded machine changes nothing.
# The sleep after kill -KILL lets the job end before `wait`: a job
# that ends while `wait` blocks for it makes busybox print "Killed",
# on a host as in the guest, when it is scheduled so.
state() { cut -d' ' -f3 "/proc/$1/stat"; }
cpu() { cut -d' ' -f14,15 "/proc/$1/stat"; }
until_state() {
	i=0
	while [ "$(state $1)" != "$2" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	state $1
}
sleep 30 &
s=$!
until_state $s S > /dev/null
kill -STOP $s
echo "after STOP: $(until_state $s T)"
before=$(cpu $s)
sleep 0.3
[ "$(cpu $s)" = "$before" ] && echo "no CPU while stopped"
kill -CONT $s
echo "after CONT: $(until_state $s S)"
kill -STOP $s
echo "stopped again: $(until_state $s T)"
kill -KILL $s
sleep 0.2
wait $s
echo "wait after KILL: $?"
[ -e /proc/$s ] || echo "gone"
sh -c 'kill -STOP $$; echo "the child went on"' &
c=$!
echo "a child that stopped itself: $(until_state $c T)"
kill -CONT $c
wait $c
echo "its status: $?"

# Stopping a background job and letting it go on: kill -STOP, its state
# in /proc/PID/stat (T), kill -CONT (S again, asleep), a second stop, and
# kill -KILL of the stopped job, whose status `wait` then gives (137).
# A stopped job holds no CPU: its utime+stime do not change meanwhile.
# The sleep after kill -KILL lets the job end before `wait`: a job
# that ends while `wait` blocks for it makes busybox print "Killed",
# on a host as in the guest, when it is scheduled so.
state() { cut -d' ' -f3 "/proc/$1/stat"; }
cpu() { cut -d' ' -f14,15 "/proc/$1/stat"; }
sleep 30 &
s=$!
sleep 0.1
kill -STOP $s
sleep 0.2
echo "after STOP: $(state $s)"
before=$(cpu $s)
sleep 0.3
[ "$(cpu $s)" = "$before" ] && echo "no CPU while stopped"
kill -CONT $s
sleep 0.2
echo "after CONT: $(state $s)"
kill -STOP $s
sleep 0.2
echo "stopped again: $(state $s)"
kill -KILL $s
sleep 0.2
wait $s
echo "wait after KILL: $?"
[ -e /proc/$s ] || echo "gone"
sh -c 'kill -STOP $$; echo "the child went on"' &
c=$!
sleep 0.3
echo "a child that stopped itself: $(state $c)"
kill -CONT $c
wait $c
echo "its status: $?"

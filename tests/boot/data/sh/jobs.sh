# `&` and `wait`: background jobs run beside the shell, $! names the
# last, `wait PID` gives that job's status, `wait` with no argument waits
# for all, jobs writing files in parallel, a background pipeline, and a
# background subshell's exit status.
umask 022
W=$(mktemp -d /tmp/jobs.XXXXXX)
cd "$W" || exit 1
(exit 7) &
p=$!
wait $p
echo "wait for exit 7: $?"
(sleep 0.2; exit 3) &
q=$!
wait $q
echo "wait for a sleeper exiting 3: $?"
for i in 1 2 3 4 5 6 7 8; do
	(seq 1 $((i * 1000)) | wc -l > "out.$i") &
done
wait
echo "wait with no argument: $?"
for i in 1 2 3 4 5 6 7 8; do printf '%s ' "$(cat out.$i)"; done
echo
sh -c 'exit 4' &
a=$!
sh -c 'exit 5' &
b=$!
wait $b
echo "b: $?"
wait $a
echo "a: $?"
seq 1 300 | sort -rn | head -n 2 > top &
wait $!
cat top
{ echo first > ordered; sleep 0.1; echo second >> ordered; } &
wait
cat ordered
kill -0 $$ && echo "the shell is alive"
sleep 5 &
s=$!
kill $s
wait $s
echo "killed sleeper: $?"
wait
echo "nothing left: $?"
cd / && rm -rf "$W"

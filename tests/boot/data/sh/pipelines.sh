# Pipelines of three and more commands: data through each stage, the
# status of the last command, `!`, pipefail, a pipeline into a loop
# (run in a subshell: its variables stay there), a long pipeline of cats,
# a writer whose reader quits early (head), and large data through four
# stages.
umask 022
seq 1 10 | sed 's/$/!/' | tr '!' '?' | paste -s -d ' '
printf 'pear\napple\nfig\napple\npear\npear\n' | sort | uniq -c | sort -rn | sed 's/^ *//'
echo "a b c d e" | tr ' ' '\n' | tac | tr '\n' ' ' | sed 's/ $/\n/'
seq 1 1000 | awk '{ s += $1 } END { print s }' | sed 's/^/sum /' | cat
false | true | true
echo "false|true|true: $?"
true | true | false
echo "true|true|false: $?"
! true | false
echo "! true|false: $?"
! false | true | false
echo "! ...|false: $?"
set -o pipefail
false | true | true
echo "pipefail, first fails: $?"
true | (exit 3) | true
echo "pipefail, middle exits 3: $?"
true | true | true
echo "pipefail, none fails: $?"
set +o pipefail
count=0
seq 1 5 | while read n; do count=$((count + n)); done
echo "count after the loop: $count"
seq 1 5 | { s=0; while read n; do s=$((s + n)); done; echo "inside: $s"; }
echo pass-through | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat
seq 1 100000 | head -n 3 | tail -n 1
yes line | head -n 5000 | wc -l
seq 1 50000 | sed 's/0/o/g' | grep -c o | awk '{ print "with o:", $1 }'
seq 1 20000 | md5sum | cut -c1-32 | tr a-f A-F
{ echo hidden; echo shown >&2; } 2>&1 >/dev/null | sed 's/^/piped: /'
{ echo to-stderr >&2; echo to-stdout; } 2>&1 | sort

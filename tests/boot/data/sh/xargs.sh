# xargs: default echo, -n (arguments per command), -I (replacement),
# -0 (NUL-separated), -r (nothing to run), -s-like splitting of many
# arguments, running sh -c per item, and exit statuses of failing commands.
umask 022
W=$(mktemp -d /tmp/xargs.XXXXXX)
cd "$W" || exit 1
seq 1 10 | xargs
seq 1 10 | xargs -n 3
seq 1 10 | xargs -n 4 echo group
printf 'a\nb\nc\n' | xargs -I{} echo "item {} done"
printf 'with space\0plain\0' | xargs -0 -n 1 echo arg: 
echo | xargs -r echo "should not run"
echo "-r on empty input: $?"
seq 1 5 | xargs -n 1 sh -c 'echo $(( $0 * $0 ))'
seq 1 3000 | xargs echo | wc -w
seq 1 5 | xargs -I{} touch "file{}"
ls | xargs
ls | xargs -n 2 cat 2>/dev/null; echo "cat of empty files: $?"
seq 1 3 | xargs sh -c 'exit 1'
echo "failing command: $?"
seq 1 3 | xargs -n 1 sh -c 'echo run $0; [ $0 -ne 2 ]'
echo "one failing: $?"
printf 'x y\nz\n' | xargs -n 1 | wc -l
printf 'file1\nfile3\n' | xargs rm
ls | xargs
cd / && rm -rf "$W"

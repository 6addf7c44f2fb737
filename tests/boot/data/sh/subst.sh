# Command substitution: $(...) and backquotes, nesting, trailing newlines
# removed (inner ones kept), word splitting of the unquoted result,
# substitution in assignments, arguments, arithmetic and here-documents,
# and the status of the last substitution in an assignment.
umask 022
a=$(echo hello)
echo "a=$a"
b=`echo back quoted`
echo "b=$b"
c=$(echo $(echo nested $(echo deeper)))
echo "c=$c"
d=$(printf 'one\n\n\ntwo\n\n\n')
echo "d=[$d]"
printf '%s|' $(printf 'x y\tz\nw')
echo
printf '%s|' "$(printf 'x y\tz\nw')"
echo
n=$(( $(echo 6) * $(echo 7) ))
echo "n=$n"
e=$(false)
echo "status of false in assignment: $?"
e=$(exit 5)
echo "status of exit 5 in assignment: $?"
f=$(echo out; echo err >&2)
echo "f=$f"
g=$(echo err 2>&1 >&2 | cat)
echo "g=[$g]"
lines=$(seq 1 100 | wc -l)
echo "lines=$lines"
sum=0
for i in $(seq 1 10); do sum=$((sum + i)); done
echo "sum=$sum"
cat <<EOT
in a here-document: $(echo substituted) and `echo again`
EOT
x=$(cd / && pwd)
echo "x=$x"
y=$(echo "quoted \"inner\" \$dollar")
echo "y=$y"
z=$(case abc in a*) echo matched;; *) echo no;; esac)
echo "z=$z"
long=$(seq 1 20000 | tr -d '\n' | wc -c)
echo "long=$long"
echo "last: $(echo $(echo $(echo $(echo four levels))))"

# Here-documents: expanded, quoted (literal), <<- (leading tabs
# stripped), into a pipeline, into a loop, into a function, two on one
# command line, an empty one, one through a file descriptor, and a large one.
umask 022
name=world
cat <<EOF2
hello $name
arith $((2 + 3)) and cmd $(echo sub)
escaped \$name and \`tick\`
EOF2
cat <<'EOF2'
literal $name $((2 + 3)) $(echo sub)
EOF2
cat <<-EOF2
	tab-indented line
		two tabs
	last
	EOF2
sort <<EOF2 | uniq | tr '\n' ' '
cherry
apple
banana
apple
EOF2
echo
while read k v; do echo "$k=$v"; done <<EOF2
alpha 1
beta 2
gamma 3
EOF2
f() { wc -l; }
f <<EOF2
a
b
c
EOF2
cat 3<<EOF3 <&3
through descriptor three
EOF3
cat <<EOF2
EOF2
echo "empty: $?"
cat - <<EOF2 | wc -c
$(seq 1 2000)
EOF2
read first <<EOF2
first line
second line
EOF2
echo "read: $first"
tr a-z A-Z <<EOF2
upper case
EOF2

# File work in /tmp the way build and packaging scripts do it: a tree made
# with mkdir -p, loops writing generated files, cat/sort/uniq/wc/sed/awk/
# cut/tr over them, mv/cp/rm, a tar.gz round trip, md5sum checksums that are written and then
# verified, test -f/-d/-s/-e, shell arithmetic, functions, case, and a
# final report. Every listing is sorted and no size of a directory, date,
# owner or absolute path is printed, so the output is the same anywhere.
# stdout is the console in the guest, a pipe on the host: ls lists -1.
umask 022
W=$(mktemp -d /tmp/files.XXXXXX)
cd "$W" || exit 1

say() { printf '== %s\n' "$*"; }

# ---- a tree ----
say tree
mkdir -p src/lib/util src/bin doc/en doc/fr build/obj build/out tmp
for d in src src/lib src/lib/util src/bin doc doc/en doc/fr build build/obj build/out tmp; do
	[ -d "$d" ] || echo "missing directory $d"
done
find . -type d | sort
dirs=$(find . -type d | wc -l)
echo "directories: $dirs"

# ---- generated files ----
say generate
i=1
while [ $i -le 20 ]; do
	name=$(printf 'mod%02d' $i)
	case $((i % 3)) in
	0) where=src/lib ;;
	1) where=src/lib/util ;;
	*) where=src/bin ;;
	esac
	{
		echo "/* $name */"
		j=1
		while [ $j -le $((i % 5 + 2)) ]; do
			echo "int ${name}_f$j(int x) { return x * $j + $i; }"
			j=$((j + 1))
		done
		echo "/* end */"
	} > "$where/$name.c"
	i=$((i + 1))
done
find src -type f -name '*.c' | sort | head -n 5
echo "C files: $(find src -name '*.c' | wc -l)"
echo "lines: $(cat $(find src -name '*.c' | sort) | wc -l)"
echo "functions: $(cat src/*/*.c src/lib/util/*.c | grep -c '^int ')"

# ---- words and counts ----
say words
for lang in en fr; do
	for n in 1 2 3; do
		f=doc/$lang/page$n.txt
		: > "$f"
		k=0
		while [ $k -lt $((n * 7)) ]; do
			case $lang in
			en) set -- red green blue green red red yellow ;;
			fr) set -- rouge vert bleu vert rouge rouge jaune ;;
			esac
			idx=$((k % 7 + 1))
			eval "w=\${$idx}"
			echo "$w $k" >> "$f"
			k=$((k + 1))
		done
	done
done
wc -l doc/en/*.txt doc/fr/*.txt | sed 's/^ *//'
cut -d' ' -f1 doc/en/*.txt | sort | uniq -c | sort -k1,1nr -k2 | sed 's/^ *//'
cut -d' ' -f1 doc/fr/*.txt | sort -u | tr '\n' ',' | sed 's/,$/\n/'
awk '{ n[$1] += $2 } END { for (w in n) print w, n[w] }' doc/en/*.txt | sort
tr 'a-z' 'A-Z' < doc/en/page1.txt | head -n 3
sed -n '2,4p' doc/fr/page2.txt
sed 's/rouge/ROUGE/g; s/[0-9][0-9]*/#/' doc/fr/page1.txt | sort | uniq
grep -l green doc/en/*.txt | sort
grep -c red doc/en/page3.txt
paste -d: doc/en/page1.txt doc/fr/page1.txt | head -n 2
cat doc/en/page1.txt doc/en/page2.txt | sort -k2,2n | tail -n 2

# ---- checksums ----
say checksums
find src doc -type f | sort > manifest
xargs md5sum < manifest > sums.md5
wc -l < sums.md5
md5sum -c sums.md5 | grep -c ': OK$'
md5sum doc/en/page1.txt | cut -d' ' -f1
cat $(cat manifest) | md5sum | cut -d' ' -f1
echo extra >> doc/en/page1.txt
md5sum -c sums.md5 2>/dev/null | grep -v ': OK$'
echo "check after a change: $( md5sum -c sums.md5 >/dev/null 2>&1; echo $? )"
sed -i '$d' doc/en/page1.txt
md5sum -c sums.md5 >/dev/null && echo "restored: all OK"

# ---- copies and moves ----
say copy
cp -r src build/obj/src-copy
diff -r src build/obj/src-copy && echo "copy identical"
for f in $(find build/obj/src-copy -name '*.c' | sort); do
	base=${f##*/}
	mv "$f" "build/obj/${base%.c}.o"
done
ls build/obj | head -n 3
echo "objects: $(ls build/obj/*.o | wc -l)"
find build/obj/src-copy -type f | wc -l
rm -r build/obj/src-copy
[ -e build/obj/src-copy ] || echo "copy removed"
cat build/obj/mod0*.o > build/out/all.a
echo "archive lines: $(wc -l < build/out/all.a)"
cp build/out/all.a build/out/backup.a
cmp build/out/all.a build/out/backup.a && echo "backup equal"
mv build/out/backup.a tmp/
[ -f tmp/backup.a ] && [ ! -f build/out/backup.a ] && echo "moved"

# ---- tests ----
say tests
: > tmp/empty
printf 'x' > tmp/one
mkdir tmp/dir
for p in tmp/empty tmp/one tmp/dir tmp/none; do
	r=""
	[ -e "$p" ] && r="${r}e"
	[ -f "$p" ] && r="${r}f"
	[ -d "$p" ] && r="${r}d"
	[ -f "$p" ] && [ -s "$p" ] && r="${r}s"	# a directory's size is the filesystem's
	echo "${p#tmp/}: ${r:--}"
done
ln -s one tmp/link
[ -L tmp/link ] && [ -f tmp/link ] && echo "link to a file"
rm tmp/link
[ tmp/one -nt tmp/none ] && echo "newer than missing"

# ---- arithmetic ----
say arithmetic
total=0
for f in $(find src -name '*.c' | sort); do
	n=$(wc -l < "$f")
	total=$((total + n))
done
echo "total lines: $total"
echo "average: $((total / 20)) remainder $((total % 20))"
a=7 b=3
echo "$((a + b)) $((a - b)) $((a * b)) $((a / b)) $((a % b)) $((a ** 2))"
echo "$((a << 2)) $((a >> 1)) $((a & b)) $((a | b)) $((a ^ b)) $((~a))"
echo "$((a > b)) $((a == b)) $((a != b && b > 0)) $((a < b ? 10 : 20))"
c=0
c=$((c += 5))
: $((c *= 3))
echo "c=$c"
echo "hex $((0x1f)) octal $((010)) negative $((-a * b))"
fib() {
	x=0 y=1 k=0
	while [ $k -lt $1 ]; do t=$((x + y)); x=$y; y=$t; k=$((k + 1)); done
	echo $x
}
echo "fib 30: $(fib 30)"
seq 1 100 | awk '{ s += $1 * $1 } END { print "squares:", s }'

# ---- edits with sed and awk ----
say edits
cp src/bin/mod02.c tmp/edit.c
sed -i 's/return x \* \([0-9]\)/return \1 * x/' tmp/edit.c
sed -n '/int/p' tmp/edit.c
awk -F'[ (]' '/^int/ { print NR ": " $2 }' tmp/edit.c
awk 'BEGIN { OFS = "\t" } { print NR, length($0) }' tmp/edit.c | tr '\t' ' '
sed '1i\
/* inserted */' tmp/edit.c | head -n 2
printf 'k1=v1\nk2=v2\nk3=v3\n' > tmp/conf
while IFS='=' read -r k v; do echo "$v<-$k"; done < tmp/conf
cut -d= -f2 tmp/conf | tr '\n' ' '
echo
sed 's/=.*//' tmp/conf | sort -r | tr '\n' ' '
echo

# ---- an archive ----
say archive
tar cf tmp/src.tar src
gzip -9 tmp/src.tar
[ -s tmp/src.tar.gz ] && [ ! -e tmp/src.tar ] && echo "compressed"
gzip -t tmp/src.tar.gz && echo "gzip -t OK"
gunzip -c tmp/src.tar.gz | tar tf - | sed 's,/$,,' | sort | head -n 4
mkdir tmp/unpacked
gunzip -c tmp/src.tar.gz | tar xf - -C tmp/unpacked
diff -r src tmp/unpacked/src && echo "unpacked identical"
echo "unpacked files: $(find tmp/unpacked -type f | wc -l)"
rm -r tmp/unpacked tmp/src.tar.gz

# ---- removal ----
say cleanup
rm -f tmp/empty tmp/one
rmdir tmp/dir
rm -r build
find . -type f | sort | wc -l
ls -1	# columns on the guest's terminal otherwise
cd / && rm -rf "$W"
[ -d "$W" ] && echo "left behind" || echo "work directory removed"

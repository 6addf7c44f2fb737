/* The ZFS module's C library pieces (modules/zfs/spl/spl_string.c),
 * compiled for the host under the names tests/unit/spl_rename.h gives
 * them and checked against what the C standard says they do. */
#include <sys/types.h>
#include <sys/strings.h>
#include "check.h"

static void spans(void)
{
	CHECK_EQ(strspn("aabbc", "ab"), 4);
	CHECK_EQ(strspn("", "ab"), 0);
	CHECK_EQ(strcspn("pool/ds@snap", "@#"), 7);
	CHECK_EQ(strcspn("pool", "@#"), 4);
	CHECK(strpbrk("pool/ds#bm", "@#") != NULL && *strpbrk("pool/ds#bm", "@#") == '#');
	CHECK(strpbrk("pool", "@#") == NULL);
	CHECK(strstr("a-b-c", "b-c") != NULL && strcmp(strstr("a-b-c", "b-c"), "b-c") == 0);
	CHECK(strstr("abc", "") != NULL && *strstr("abc", "") == 'a');
	CHECK(strstr("abc", "abcd") == NULL);
}

static void copies(void)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	strncpy(buf, "ab", 5);
	CHECK(memcmp(buf, "ab\0\0\0xxx", 8) == 0);	/* zero-filled to n, no further */
	strcpy(buf, "ab");
	strcat(buf, "cd");
	CHECK(strcmp(buf, "abcd") == 0);
	strncat(buf, "efgh", 2);
	CHECK(strcmp(buf, "abcdef") == 0);
	char small[6] = "abc";
	CHECK_EQ(strlcat(small, "defgh", sizeof(small)), 8);	/* the length it wanted */
	CHECK(strcmp(small, "abcde") == 0);
	char full[4] = { 'a', 'b', 'c', 'd' };	/* no terminator within size */
	CHECK_EQ(strlcat(full, "xy", sizeof(full)), 6);
}

static void separators(void)
{
	char s[] = "a,b,,c", *p = s;

	CHECK(strcmp(strsep(&p, ","), "a") == 0);
	CHECK(strcmp(strsep(&p, ","), "b") == 0);
	CHECK(strcmp(strsep(&p, ","), "") == 0);
	CHECK(strcmp(strsep(&p, ","), "c") == 0);
	CHECK(p == NULL && strsep(&p, ",") == NULL);
}

static void scanning(void)
{
	long long ll = 0;
	int n = -1, i = 0;
	unsigned u = 0, x = 0;
	long l = 0;

	/* zcp.c's use: does a whole key parse as a number? */
	CHECK_EQ(sscanf("12345", "%lld%n", &ll, &n), 1);
	CHECK_EQ(ll, 12345);
	CHECK_EQ(n, 5);
	CHECK_EQ(sscanf("-42abc", "%lld%n", &ll, &n), 1);
	CHECK_EQ(ll, -42);
	CHECK_EQ(n, 3);
	CHECK_EQ(sscanf("abc", "%lld%n", &ll, &n), 0);
	CHECK_EQ(sscanf("7 9 0x1f", "%d %u %x", &i, &u, &x), 3);
	CHECK_EQ(i, 7);
	CHECK_EQ(u, 9);
	CHECK_EQ(x, 31);
	CHECK_EQ(sscanf("3:4", "%ld:%d", &l, &i), 2);
	CHECK_EQ(l, 3);
	CHECK_EQ(i, 4);
	CHECK_EQ(sscanf("3-4", "%ld:%d", &l, &i), 1);	/* a literal that does not match stops */
	CHECK_EQ(sscanf("1.5", "%f", &l), 0);		/* unsupported conversion: nothing */
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void sorting(void)
{
	enum { N = 1000 };
	static int v[N];
	unsigned seed = 12345;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245 + 12345;
		v[i] = (int)(seed >> 8) % 100;	/* many duplicates */
	}
	qsort(v, N, sizeof(v[0]), cmp_int);
	int sorted = 1;
	for (int i = 1; i < N; i++)
		sorted &= v[i - 1] <= v[i];
	CHECK(sorted);
	int one[1] = { 5 };
	qsort(one, 1, sizeof(int), cmp_int);
	CHECK_EQ(one[0], 5);
	char odd[5][3] = { "dd", "bb", "ee", "aa", "cc" };	/* element size 3 */
	qsort(odd, 5, 3, (int (*)(const void *, const void *))strcmp);
	CHECK(strcmp(odd[0], "aa") == 0 && strcmp(odd[4], "ee") == 0);
}

static void printing(void)
{
	char buf[32];

	CHECK_EQ(sprintf(buf, "%d-%s", 42, "x"), 4);
	CHECK(strcmp(buf, "42-x") == 0);
}

int main(void)
{
	RUN(spans);
	RUN(copies);
	RUN(separators);
	RUN(scanning);
	RUN(sorting);
	RUN(printing);
	return CHECK_DONE();
}

/* avl: random inserts and removes against a reference bitmap, with the
 * AVL invariants (order, stored heights, balance) checked after each
 * step, and floor/ceil/first against a linear search. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lib/avl.h"

#define KEYS 2000

struct item {
	struct avl_node node;
	long key;
};

static struct item items[KEYS];
static unsigned char present[KEYS];

static long key_of(const struct avl_node *n)
{
	return ((const struct item *)n)->key;
}

static int cmp(const struct avl_node *a, const struct avl_node *b)
{
	return (key_of(a) > key_of(b)) - (key_of(a) < key_of(b));
}

static int keycmp(const struct avl_node *n, const void *key)
{
	long k = *(const long *)key;
	return (key_of(n) > k) - (key_of(n) < k);
}

/* Returns the height, or -1 if an invariant fails; counts nodes. */
static int verify(const struct avl_node *t, long lo, long hi, int *count)
{
	if (!t)
		return 0;
	long k = key_of(t);
	if (k < lo || k > hi)
		return -1;
	int l = verify(t->left, lo, k - 1, count);
	int r = verify(t->right, k + 1, hi, count);
	if (l < 0 || r < 0 || l - r > 1 || r - l > 1)
		return -1;
	int h = (l > r ? l : r) + 1;
	(*count)++;
	return h == t->height ? h : -1;
}

static uint32_t rng = 2463534242u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static long ref_floor(long k)
{
	for (long i = k < KEYS ? k : KEYS - 1; i >= 0; i--)
		if (present[i])
			return i;
	return -1;
}

static long ref_ceil(long k)
{
	for (long i = k < 0 ? 0 : k; i < KEYS; i++)
		if (present[i])
			return i;
	return -1;
}

static long found(const struct avl_node *n)
{
	return n ? key_of(n) : -1;
}

static void random_ops(void)
{
	struct avl_node *root = NULL;
	int live = 0;

	for (int i = 0; i < KEYS; i++)
		items[i].key = i;
	for (int step = 0; step < 20000; step++) {
		long k = next() % KEYS;
		if (present[k]) {
			avl_remove(&root, &items[k].node, cmp);
			live--;
		} else {
			avl_insert(&root, &items[k].node, cmp);
			live++;
		}
		present[k] ^= 1;
		if (step % 97 == 0) {
			int count = 0;
			CHECK(verify(root, 0, KEYS, &count) >= 0);
			CHECK_EQ(count, live);
		}
		long q = (long)(next() % (KEYS + 20)) - 10;
		CHECK_EQ(found(avl_floor(root, &q, keycmp)), ref_floor(q));
		CHECK_EQ(found(avl_ceil(root, &q, keycmp)), ref_ceil(q));
		CHECK_EQ(found(avl_first(root)), ref_ceil(0));
	}
}

/* Ascending inserts, the worst case for an unbalanced tree. */
static void sorted_inserts_stay_shallow(void)
{
	struct avl_node *root = NULL;
	int count = 0;

	memset(present, 0, sizeof(present));
	for (int i = 0; i < KEYS; i++)
		avl_insert(&root, &items[i].node, cmp);
	int h = verify(root, 0, KEYS, &count);
	CHECK(h > 0 && h <= 16);	/* 1.44 log2(2000) ~ 15.8 */
	CHECK_EQ(count, KEYS);
	for (int i = 0; i < KEYS; i += 2)
		avl_remove(&root, &items[i].node, cmp);
	count = 0;
	CHECK(verify(root, 0, KEYS, &count) > 0);
	CHECK_EQ(count, KEYS / 2);
}

int main(void)
{
	RUN(random_ops);
	RUN(sorted_inserts_stay_shallow);
	return CHECK_DONE();
}

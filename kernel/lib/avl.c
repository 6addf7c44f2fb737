/* AVL tree (see avl.h). Recursive: the depth is at most 1.44 log2(n), so
 * a tree of a million nodes recurses about 29 times. */
#include "lib/avl.h"

static int height(const struct avl_node *n)
{
	return n ? n->height : 0;
}

static void update(struct avl_node *n)
{
	int l = height(n->left), r = height(n->right);

	n->height = (l > r ? l : r) + 1;
}

static struct avl_node *rotate_right(struct avl_node *n)
{
	struct avl_node *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct avl_node *rotate_left(struct avl_node *n)
{
	struct avl_node *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

/* Restores the balance of n, whose subtrees differ in height by <= 2. */
static struct avl_node *balance(struct avl_node *n)
{
	int d = height(n->left) - height(n->right);

	if (d > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (d < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	update(n);
	return n;
}

static struct avl_node *insert(struct avl_node *t, struct avl_node *n, avl_cmp_fn cmp)
{
	if (!t)
		return n;
	if (cmp(n, t) < 0)
		t->left = insert(t->left, n, cmp);
	else
		t->right = insert(t->right, n, cmp);
	return balance(t);
}

void avl_insert(struct avl_node **root, struct avl_node *n, avl_cmp_fn cmp)
{
	n->left = n->right = NULL;
	n->height = 1;
	*root = insert(*root, n, cmp);
}

/* Detaches the leftmost node of t into *min; returns what is left. */
static struct avl_node *take_min(struct avl_node *t, struct avl_node **min)
{
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = take_min(t->left, min);
	return balance(t);
}

static struct avl_node *remove(struct avl_node *t, struct avl_node *n, avl_cmp_fn cmp)
{
	if (t != n) {
		if (cmp(n, t) < 0)
			t->left = remove(t->left, n, cmp);
		else
			t->right = remove(t->right, n, cmp);
		return balance(t);
	}
	if (!t->right)
		return t->left;
	struct avl_node *min;
	struct avl_node *rest = take_min(t->right, &min);
	min->left = t->left;
	min->right = rest;
	return balance(min);
}

void avl_remove(struct avl_node **root, struct avl_node *n, avl_cmp_fn cmp)
{
	*root = remove(*root, n, cmp);
}

struct avl_node *avl_floor(struct avl_node *t, const void *key, avl_key_fn f)
{
	struct avl_node *best = NULL;

	while (t) {
		int c = f(t, key);
		if (c == 0)
			return t;
		if (c < 0) {
			best = t;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	return best;
}

struct avl_node *avl_ceil(struct avl_node *t, const void *key, avl_key_fn f)
{
	struct avl_node *best = NULL;

	while (t) {
		int c = f(t, key);
		if (c == 0)
			return t;
		if (c > 0) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

struct avl_node *avl_first(struct avl_node *t)
{
	while (t && t->left)
		t = t->left;
	return t;
}

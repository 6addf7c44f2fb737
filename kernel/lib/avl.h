/* An intrusive AVL tree: O(log n) insert, remove and ordered search.
 * Nodes are embedded in the caller's structures; the caller supplies the
 * order (cmp) and does the locking. No allocation. */
#ifndef LIB_AVL_H
#define LIB_AVL_H
#include <stddef.h>

struct avl_node {
	struct avl_node *left, *right;
	int height;			/* of the subtree; a leaf is 1 */
};

/* < 0, 0, > 0 as node a orders before, with, after b. */
typedef int (*avl_cmp_fn)(const struct avl_node *a, const struct avl_node *b);
/* < 0, 0, > 0 as node n orders before, at, after key. */
typedef int (*avl_key_fn)(const struct avl_node *n, const void *key);

/* n must not be in the tree and must not compare equal to a node in it. */
void avl_insert(struct avl_node **root, struct avl_node *n, avl_cmp_fn cmp);
/* n must be in the tree. */
void avl_remove(struct avl_node **root, struct avl_node *n, avl_cmp_fn cmp);
/* The last node at or before key, the first at or after key. NULL: none. */
struct avl_node *avl_floor(struct avl_node *root, const void *key, avl_key_fn f);
struct avl_node *avl_ceil(struct avl_node *root, const void *key, avl_key_fn f);
struct avl_node *avl_first(struct avl_node *root);

#endif

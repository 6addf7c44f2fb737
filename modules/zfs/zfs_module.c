/* libzfs.so: OpenZFS on Osprey. So far it carries the first piece of
 * OpenZFS compiled unmodified against our Solaris Porting Layer (the AVL
 * trees every other part uses) and checks it at load; the pool layer and
 * the filesystem come next (issue 8), so no "zfs" type is registered yet
 * and an fstab line asking for one says so. */
#include <sys/avl.h>
#include <sys/debug.h>
#include <sys/spl_init.h>
#include "dev/console.h"
#include "module/module.h"
#include "mm/mm.h"
#include "dev/random.h"
#include <errno.h>

__attribute__((visibility("default"))) const uint32_t osprey_module_api = OSPREY_MODULE_API;

extern const spl_initcall_t __start_spl_initcalls[], __stop_spl_initcalls[];

struct test_node {
	avl_node_t link;
	uint64_t key;
};

static int compare(const void *a, const void *b)
{
	const struct test_node *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* OpenZFS's AVL code through its public API: random inserts, an in-order
 * walk, lookups and removals, against what a sorted key set must give. */
static int avl_selftest(unsigned n)
{
	struct test_node *nodes = kzalloc(n * sizeof(*nodes));
	avl_tree_t tree;
	int bad = 0;

	if (!nodes)
		return -ENOMEM;
	avl_create(&tree, compare, sizeof(struct test_node), offsetof(struct test_node, link));
	for (unsigned i = 0; i < n; i++) {
		random_bytes(&nodes[i].key, sizeof(nodes[i].key));
		nodes[i].key = (nodes[i].key & ~0xfffULL) | i;	/* distinct */
		avl_add(&tree, &nodes[i]);
	}
	uint64_t prev = 0, count = 0;
	for (struct test_node *t = avl_first(&tree); t; t = AVL_NEXT(&tree, t), count++) {
		bad += count && t->key <= prev;
		prev = t->key;
	}
	bad += count != n || avl_numnodes(&tree) != n;
	for (unsigned i = 0; i < n; i += 2)
		avl_remove(&tree, &nodes[i]);
	for (unsigned i = 0; i < n; i++) {
		struct test_node probe = { .key = nodes[i].key };
		bad += (avl_find(&tree, &probe, NULL) != NULL) != (i % 2 == 1);
	}
	void *cookie = NULL;
	while (avl_destroy_nodes(&tree, &cookie))
		;
	avl_destroy(&tree);
	kfree(nodes);
	return bad ? -EIO : 0;
}

__attribute__((visibility("default"))) int module_init(void)
{
	for (const spl_initcall_t *fn = __start_spl_initcalls; fn < __stop_spl_initcalls; fn++) {
		int err = (*fn)();
		if (err)
			return err;
	}
	int err = avl_selftest(1000);
	if (err) {
		printk("zfs: AVL self-test failed\n");
		return err;
	}
	printk("zfs: porting layer up; OpenZFS AVL self-test passed (1000 nodes); "
	    "pools and datasets are not supported yet\n");
	return 0;
}

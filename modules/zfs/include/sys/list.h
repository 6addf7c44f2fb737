/* Solaris doubly linked lists (list_t): intrusive, circular through a
 * head node, objects found from their node by list_offset. */
#ifndef OSPREY_SPL_SYS_LIST_H
#define OSPREY_SPL_SYS_LIST_H
#include <sys/types.h>
#include <sys/debug.h>

typedef struct spl_list_node {
	struct spl_list_node *next, *prev;
} list_node_t;

typedef struct spl_list {
	size_t list_size;
	size_t list_offset;
	list_node_t list_head;
} list_t;

#define list_d2l(a, obj)	((list_node_t *)((char *)(obj) + (a)->list_offset))
#define list_object(a, node)	((void *)((char *)(node) - (a)->list_offset))

static inline void list_create(list_t *l, size_t size, size_t offset)
{
	l->list_size = size;
	l->list_offset = offset;
	l->list_head.next = l->list_head.prev = &l->list_head;
}

static inline int list_is_empty(list_t *l) { return l->list_head.next == &l->list_head; }
static inline void list_destroy(list_t *l) { ASSERT(list_is_empty(l)); }

static inline void spl_list_link(list_node_t *n, list_node_t *prev, list_node_t *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void spl_list_unlink(list_node_t *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

static inline void list_link_init(list_node_t *n) { n->next = n->prev = NULL; }
static inline int list_link_active(list_node_t *n) { return n->next != NULL; }

static inline void list_insert_head(list_t *l, void *obj)
{
	spl_list_link(list_d2l(l, obj), &l->list_head, l->list_head.next);
}

static inline void list_insert_tail(list_t *l, void *obj)
{
	spl_list_link(list_d2l(l, obj), l->list_head.prev, &l->list_head);
}

static inline void list_insert_after(list_t *l, void *obj, void *nobj)
{
	if (obj == NULL)
		list_insert_head(l, nobj);
	else
		spl_list_link(list_d2l(l, nobj), list_d2l(l, obj), list_d2l(l, obj)->next);
}

static inline void list_insert_before(list_t *l, void *obj, void *nobj)
{
	if (obj == NULL)
		list_insert_tail(l, nobj);
	else
		spl_list_link(list_d2l(l, nobj), list_d2l(l, obj)->prev, list_d2l(l, obj));
}

static inline void list_remove(list_t *l, void *obj) { spl_list_unlink(list_d2l(l, obj)); }

static inline void *list_head(list_t *l)
{
	return list_is_empty(l) ? NULL : list_object(l, l->list_head.next);
}

static inline void *list_tail(list_t *l)
{
	return list_is_empty(l) ? NULL : list_object(l, l->list_head.prev);
}

static inline void *list_next(list_t *l, void *obj)
{
	list_node_t *n = list_d2l(l, obj)->next;
	return n == &l->list_head ? NULL : list_object(l, n);
}

static inline void *list_prev(list_t *l, void *obj)
{
	list_node_t *n = list_d2l(l, obj)->prev;
	return n == &l->list_head ? NULL : list_object(l, n);
}

static inline void *list_remove_head(list_t *l)
{
	void *obj = list_head(l);
	if (obj)
		list_remove(l, obj);
	return obj;
}

static inline void *list_remove_tail(list_t *l)
{
	void *obj = list_tail(l);
	if (obj)
		list_remove(l, obj);
	return obj;
}

/* Appends all of src to dst, leaving src empty. */
static inline void list_move_tail(list_t *dst, list_t *src)
{
	if (list_is_empty(src))
		return;
	list_node_t *first = src->list_head.next, *last = src->list_head.prev;
	first->prev = dst->list_head.prev;
	dst->list_head.prev->next = first;
	last->next = &dst->list_head;
	dst->list_head.prev = last;
	src->list_head.next = src->list_head.prev = &src->list_head;
}

static inline void list_link_replace(list_node_t *old, list_node_t *new)
{
	new->next = old->next;
	new->prev = old->prev;
	old->prev->next = new;
	old->next->prev = new;
	old->next = old->prev = NULL;
}

/* Linux's hash-bucket lists (hlist), which common zvol.c keeps its
 * volumes' name hash in: singly headed, doubly linked. */
struct hlist_node {
	struct hlist_node *next, **pprev;
};
struct hlist_head {
	struct hlist_node *first;
};

#define INIT_HLIST_HEAD(h)	((h)->first = NULL)
#define hlist_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define hlist_for_each(pos, head) \
	for ((pos) = (head)->first; (pos) != NULL; (pos) = (pos)->next)

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first != NULL)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next != NULL)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#endif

/* lwIP's operating-system layer (lwIP's doc/sys_arch.txt) on kernel/sched:
 * semaphores and mutexes are the scheduler's, a mailbox is a ring of
 * pointers under a mutex with two condition variables, lwIP's threads are
 * kernel threads, and its critical sections (SYS_ARCH_PROTECT, which lwIP
 * may nest) one recursive spinlock. Timeouts are milliseconds, 0 meaning
 * forever, and turn into clock_ns() deadlines. */
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "net/net.h"
#include "net/net_impl.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include "sched/sync.h"
#include <errno.h>
#include <string.h>

#define MS	1000000ULL

struct net_mbox {
	struct mutex lock;
	struct cond not_empty, not_full;
	void **ring;
	int size, head, count;
};

static uint64_t deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? clock_ns() + timeout_ms * MS : 0;
}

/* What sys_arch_*_wait report: milliseconds waited, or the timeout mark. */
static u32_t waited(uint64_t start, int err)
{
	if (err == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	u32_t ms = (u32_t)((clock_ns() - start) / MS);
	return ms == SYS_ARCH_TIMEOUT ? ms - 1 : ms;
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / MS);
}

void *net_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

/* ---- critical sections ---- */

/* lwIP's critical sections nest (a pbuf freed inside one frees another);
 * the owner and depth make the lock recursive. Guarded by itself. */
static spinlock_t prot_lock = SPINLOCK_INIT("lwip-protect");
static struct thread *prot_owner;
static int prot_depth;

sys_prot_t sys_arch_protect(void)
{
	sys_prot_t flags = irq_save();
	struct thread *self = thread_current();

	if (prot_owner != self) {
		spin_lock_raw(&prot_lock);
		prot_owner = self;
	}
	prot_depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (--prot_depth == 0) {
		prot_owner = NULL;
		spin_unlock_raw(&prot_lock);
	}
	irq_restore(flags);
}

/* ---- semaphores and mutexes ---- */

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	*sem = kmalloc(sizeof(**sem));
	if (!*sem)
		return ERR_MEM;
	sem_init(*sem, count);
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
	kfree(*sem);
	*sem = NULL;
}

void sys_sem_signal(sys_sem_t *sem)
{
	sem_up(*sem);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint64_t start = clock_ns();

	return waited(start, sem_down(*sem, deadline_of(timeout)));
}

err_t sys_mutex_new(sys_mutex_t *m)
{
	*m = kmalloc(sizeof(**m));
	if (!*m)
		return ERR_MEM;
	mutex_init(*m);
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m)
{
	kfree(*m);
	*m = NULL;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(*m);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	if (m == &lock_tcpip_core)
		net_tx_flush();	/* the stack's turn ends: what it batched goes out */
	mutex_unlock(*m);
}

/* ---- mailboxes ---- */

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct net_mbox *mb = kzalloc(sizeof(*mb));

	if (size <= 0)
		size = TCPIP_MBOX_SIZE;
	if (mb && !(mb->ring = kmalloc(sizeof(void *) * (size_t)size))) {
		kfree(mb);
		mb = NULL;
	}
	if (!mb)
		return ERR_MEM;
	mutex_init(&mb->lock);
	cond_init(&mb->not_empty);
	cond_init(&mb->not_full);
	mb->size = size;
	*mbox = mb;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	struct net_mbox *mb = *mbox;

	if (mb && mb->count)
		pr_warn("net: a mailbox freed with %d messages in it\n", mb->count);
	if (mb)
		kfree(mb->ring);
	kfree(mb);
	*mbox = NULL;
}

/* Lock held; there is room. */
static void put(struct net_mbox *mb, void *msg)
{
	mb->ring[(mb->head + mb->count) % mb->size] = msg;
	mb->count++;
	cond_signal(&mb->not_empty);
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct net_mbox *mb = *mbox;

	mutex_lock(&mb->lock);
	while (mb->count == mb->size)
		cond_wait(&mb->not_full, &mb->lock);
	put(mb, msg);
	mutex_unlock(&mb->lock);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct net_mbox *mb = *mbox;
	err_t err = ERR_MEM;

	mutex_lock(&mb->lock);
	if (mb->count < mb->size) {
		put(mb, msg);
		err = ERR_OK;
	}
	mutex_unlock(&mb->lock);
	return err;
}

/* Nothing posts from an interrupt handler (drivers hand frames over in a
 * thread), so this is the thread version. */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

/* Lock held; a message is there. */
static void *take(struct net_mbox *mb)
{
	void *msg = mb->ring[mb->head];

	mb->head = (mb->head + 1) % mb->size;
	mb->count--;
	cond_signal(&mb->not_full);
	return msg;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct net_mbox *mb = *mbox;
	uint64_t start = clock_ns(), deadline = deadline_of(timeout);
	int err = 0;

	mutex_lock(&mb->lock);
	while (!mb->count && !err)
		err = cond_timedwait(&mb->not_empty, &mb->lock, deadline);
	void *m = mb->count ? take(mb) : NULL;
	mutex_unlock(&mb->lock);
	if (msg)
		*msg = m;
	return waited(start, m || !err ? 0 : err);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct net_mbox *mb = *mbox;
	u32_t ret = SYS_MBOX_EMPTY;

	mutex_lock(&mb->lock);
	if (mb->count) {
		void *m = take(mb);
		if (msg)
			*msg = m;
		ret = 0;
	}
	mutex_unlock(&mb->lock);
	return ret;
}

/* ---- threads ---- */

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg,
    int stacksize, int prio)
{
	struct thread *t = thread_create(name, fn, arg, prio, (size_t)stacksize);

	if (!t)
		panic("net: cannot start lwIP's thread %s", name);
	thread_detach(t);
	return t;
}

/* lwip_init runs inside tcpip_init before the lock exists. */
void net_assert_core_locked(void)
{
	if (lock_tcpip_core && !mutex_held(lock_tcpip_core))
		panic("net: lwIP called without the core lock");
}

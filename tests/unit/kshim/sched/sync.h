/* Host shim of kernel/sched/sync.h for unit tests: the kernel's sleeping
 * locks on pthreads. Only what kernel/fs uses. */
#ifndef SCHED_SYNC_H
#define SCHED_SYNC_H
#include <pthread.h>
#include <stdbool.h>
#include "sched/sched.h"

struct waitq {
	int unused;
};

struct mutex {
	pthread_mutex_t m;
	pthread_t owner;
	bool held;
};

static inline void mutex_init(struct mutex *m)
{
	pthread_mutex_init(&m->m, NULL);
	m->held = false;
}

static inline void mutex_lock(struct mutex *m)
{
	pthread_mutex_lock(&m->m);
	m->owner = pthread_self();
	m->held = true;
}

static inline bool mutex_trylock(struct mutex *m)
{
	if (pthread_mutex_trylock(&m->m))
		return false;
	m->owner = pthread_self();
	m->held = true;
	return true;
}

static inline void mutex_unlock(struct mutex *m)
{
	m->held = false;
	pthread_mutex_unlock(&m->m);
}

static inline bool mutex_held(const struct mutex *m)
{
	return m->held && pthread_equal(m->owner, pthread_self());
}

struct cond {
	pthread_cond_t c;
};

static inline void cond_init(struct cond *c) { pthread_cond_init(&c->c, NULL); }
static inline void cond_signal(struct cond *c) { pthread_cond_signal(&c->c); }
static inline void cond_broadcast(struct cond *c) { pthread_cond_broadcast(&c->c); }

static inline void cond_wait(struct cond *c, struct mutex *m)
{
	m->held = false;
	pthread_cond_wait(&c->c, &m->m);
	m->owner = pthread_self();
	m->held = true;
}

struct rwlock {
	pthread_rwlock_t l;
};

static inline void rwlock_init(struct rwlock *l) { pthread_rwlock_init(&l->l, NULL); }
static inline void rw_read_lock(struct rwlock *l) { pthread_rwlock_rdlock(&l->l); }
static inline void rw_write_lock(struct rwlock *l) { pthread_rwlock_wrlock(&l->l); }
static inline void rw_unlock(struct rwlock *l) { pthread_rwlock_unlock(&l->l); }

#endif

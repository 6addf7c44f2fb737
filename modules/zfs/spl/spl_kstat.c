/* kstats: a list of installed statistics that OpenZFS providers update in
 * place (or through ks_update) and that spl_kstat_read() renders as text. */
#include <sys/kstat.h>
#include <sys/kmem.h>
#include <sys/mod_os.h>
#include "lib/printf.h"
#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* The registry: the list and the next kstat id, under registry_lock. */
static kmutex_t registry_lock;
static kstat_t *registry;
static kid_t next_kid;

static int spl_kstat_init(void)
{
	mutex_init(&registry_lock, NULL, MUTEX_DEFAULT, NULL);
	return 0;
}
module_init(spl_kstat_init);

static size_t data_size(uchar_t type, uint_t ndata)
{
	switch (type) {
	case KSTAT_TYPE_RAW:	return ndata;
	case KSTAT_TYPE_NAMED:	return ndata * sizeof(kstat_named_t);
	case KSTAT_TYPE_INTR:	return ndata * sizeof(kstat_intr_t);
	case KSTAT_TYPE_IO:	return ndata * sizeof(kstat_io_t);
	case KSTAT_TYPE_TIMER:	return ndata * sizeof(kstat_timer_t);
	}
	return 0;
}

kstat_t *kstat_create(const char *module, int instance, const char *name,
    const char *class, uchar_t type, uint_t ndata, uchar_t flags)
{
	if (type >= KSTAT_NUM_TYPES || (type == KSTAT_TYPE_IO && ndata != 1) ||
	    (type == KSTAT_TYPE_INTR && ndata != 1))
		return NULL;
	kstat_t *ksp = kmem_zalloc(sizeof(*ksp), KM_SLEEP);
	if (!ksp)
		return NULL;
	strlcpy(ksp->ks_module, module, sizeof(ksp->ks_module));
	strlcpy(ksp->ks_name, name, sizeof(ksp->ks_name));
	strlcpy(ksp->ks_class, class, sizeof(ksp->ks_class));
	ksp->ks_instance = instance;
	ksp->ks_type = type;
	ksp->ks_flags = flags;
	ksp->ks_ndata = ndata;
	ksp->ks_data_size = data_size(type, ndata);
	ksp->ks_crtime = gethrtime();
	mutex_init(&ksp->ks_private_lock, NULL, MUTEX_DEFAULT, NULL);
	ksp->ks_lock = &ksp->ks_private_lock;
	if (!(flags & KSTAT_FLAG_VIRTUAL) && ksp->ks_data_size) {
		ksp->ks_data = kmem_zalloc(ksp->ks_data_size, KM_SLEEP);
		if (!ksp->ks_data) {
			kmem_free(ksp, sizeof(*ksp));
			return NULL;
		}
	}
	mutex_enter(&registry_lock);
	ksp->ks_kid = next_kid++;
	mutex_exit(&registry_lock);
	return ksp;
}

void kstat_install(kstat_t *ksp)
{
	mutex_enter(&registry_lock);
	if (!ksp->ks_installed) {
		ksp->ks_next = registry;
		registry = ksp;
		ksp->ks_installed = true;
	}
	mutex_exit(&registry_lock);
}

/* Readers hold the registry lock while they render, so once the kstat is
 * off the list nobody can still be looking at it. */
void kstat_delete(kstat_t *ksp)
{
	mutex_enter(&registry_lock);
	for (kstat_t **p = &registry; *p; p = &(*p)->ks_next) {
		if (*p == ksp) {
			*p = ksp->ks_next;
			break;
		}
	}
	mutex_exit(&registry_lock);
	if (!(ksp->ks_flags & KSTAT_FLAG_VIRTUAL) && ksp->ks_data)
		kmem_free(ksp->ks_data, ksp->ks_data_size);
	mutex_destroy(&ksp->ks_private_lock);
	kmem_free(ksp, sizeof(*ksp));
}

void kstat_set_raw_ops(kstat_t *ksp, int (*headers)(char *, size_t),
    int (*data)(char *, size_t, void *), void *(*addr)(kstat_t *, loff_t))
{
	ksp->ks_raw_ops.headers = headers;
	ksp->ks_raw_ops.data = data;
	ksp->ks_raw_ops.addr = addr;
}

void kstat_named_init(kstat_named_t *knp, const char *name, uchar_t type)
{
	memset(knp, 0, sizeof(*knp));
	strlcpy(knp->name, name, sizeof(knp->name));
	knp->data_type = type;
}

void kstat_named_setstr(kstat_named_t *knp, const char *str)
{
	KSTAT_NAMED_STR_PTR(knp) = (char *)str;
	KSTAT_NAMED_STR_BUFLEN(knp) = str ? strlen(str) + 1 : 0;
}

/* Rendering: text appended to a caller's buffer; overflow is remembered. */
struct out {
	char *buf;
	size_t size, len;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += n;
}

static void emit_named(struct out *o, const kstat_named_t *k)
{
	emit(o, "%-31s %-4d ", k->name, k->data_type);
	switch (k->data_type) {
	case KSTAT_DATA_CHAR:	emit(o, "%-16.16s", k->value.c); break;
	case KSTAT_DATA_INT32:	emit(o, "%d", k->value.i32); break;
	case KSTAT_DATA_UINT32:	emit(o, "%u", k->value.ui32); break;
	case KSTAT_DATA_INT64:	emit(o, "%lld", (long long)k->value.i64); break;
	case KSTAT_DATA_UINT64:	emit(o, "%llu", (unsigned long long)k->value.ui64); break;
	case KSTAT_DATA_LONG:	emit(o, "%ld", k->value.l); break;
	case KSTAT_DATA_ULONG:	emit(o, "%lu", k->value.ul); break;
	case KSTAT_DATA_STRING: {
		const char *s = KSTAT_NAMED_STR_PTR(k);
		uint32_t len = KSTAT_NAMED_STR_BUFLEN(k);
		emit(o, "%.*s", s && len ? (int)len - 1 : 0, s ? s : "");
		break;
	}
	default:		emit(o, "(type %d?)", k->data_type); break;
	}
	emit(o, "\n");
}

static void emit_io(struct out *o, const kstat_io_t *io)
{
	emit(o, "%-8llu %-8llu %-8u %-8u %-8lld %-8lld %-8lld %-8lld %-8lld %-8lld %-8u %-8u\n",
	    io->nread, io->nwritten, io->reads, io->writes, (long long)io->wtime,
	    (long long)io->wlentime, (long long)io->wlastupdate, (long long)io->rtime,
	    (long long)io->rlentime, (long long)io->rlastupdate, io->wcnt, io->rcnt);
}

static void emit_timer(struct out *o, const kstat_timer_t *t)
{
	emit(o, "%-31s %-8llu %-8lld %-8lld %-8lld %-8lld %-8lld\n", t->name, t->num_events,
	    (long long)t->elapsed_time, (long long)t->min_time, (long long)t->max_time,
	    (long long)t->start_time, (long long)t->stop_time);
}

static void emit_headers(struct out *o, const kstat_t *ksp)
{
	static const char *const headers[KSTAT_NUM_TYPES] = {
		[KSTAT_TYPE_NAMED] = "name                            type data\n",
		[KSTAT_TYPE_INTR] = "hard     soft     watchdog spurious multsvc\n",
		[KSTAT_TYPE_IO] = "nread    nwritten reads    writes   wtime    wlentime wupdate  "
		    "rtime    rlentime rupdate  wcnt     rcnt\n",
		[KSTAT_TYPE_TIMER] = "name                            events   elapsed  min      "
		    "max      start    stop\n",
	};

	emit(o, "%d %d 0x%02x %u %zu %lld %lld\n", ksp->ks_kid, ksp->ks_type, ksp->ks_flags,
	    ksp->ks_ndata, ksp->ks_data_size, (long long)ksp->ks_crtime,
	    (long long)ksp->ks_snaptime);
	if (ksp->ks_type == KSTAT_TYPE_RAW && ksp->ks_raw_ops.headers) {
		int err = ksp->ks_raw_ops.headers(o->buf + o->len, o->size - o->len);
		if (err)
			o->full = true;
		else
			o->len += strlen(o->buf + o->len);
	} else if (headers[ksp->ks_type]) {
		emit(o, "%s", headers[ksp->ks_type]);
	}
}

/* A raw table: each record through the provider's data() callback, or a
 * hex dump of ks_data when there is none. */
static void emit_raw(struct out *o, kstat_t *ksp)
{
	const uchar_t *bytes = ksp->ks_data;

	if (!ksp->ks_raw_ops.data) {
		for (size_t i = 0; bytes && i < ksp->ks_data_size; i++)
			emit(o, "%02x%s", bytes[i], i % 16 == 15 || i + 1 == ksp->ks_data_size ? "\n" : " ");
		return;
	}
	for (loff_t n = 0; !o->full; n++) {
		void *rec = ksp->ks_raw_ops.addr ? ksp->ks_raw_ops.addr(ksp, n) :
		    n < ksp->ks_ndata ? (char *)ksp->ks_data + n * ksp->ks_data_size : NULL;
		if (!rec)
			break;
		if (ksp->ks_raw_ops.data(o->buf + o->len, o->size - o->len, rec))
			o->full = true;
		else
			o->len += strlen(o->buf + o->len);
	}
}

static void emit_data(struct out *o, kstat_t *ksp)
{
	if (ksp->ks_type == KSTAT_TYPE_RAW) {
		emit_raw(o, ksp);
		return;
	}
	for (uint_t i = 0; ksp->ks_data && i < ksp->ks_ndata; i++) {
		switch (ksp->ks_type) {
		case KSTAT_TYPE_NAMED:
			emit_named(o, (kstat_named_t *)ksp->ks_data + i);
			break;
		case KSTAT_TYPE_INTR: {
			const uint_t *c = ((kstat_intr_t *)ksp->ks_data)[i].intrs;
			emit(o, "%-8u %-8u %-8u %-8u %-8u\n", c[0], c[1], c[2], c[3], c[4]);
			break;
		}
		case KSTAT_TYPE_IO:
			emit_io(o, (kstat_io_t *)ksp->ks_data + i);
			break;
		case KSTAT_TYPE_TIMER:
			emit_timer(o, (kstat_timer_t *)ksp->ks_data + i);
			break;
		}
	}
}

static kstat_t *lookup(const char *module, const char *name)
{
	for (kstat_t *k = registry; k; k = k->ks_next)
		if (!strcmp(k->ks_module, module) && !strcmp(k->ks_name, name))
			return k;
	return NULL;
}

long spl_kstat_read(const char *module, const char *name, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	int err = 0;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	mutex_enter(&registry_lock);
	kstat_t *ksp = lookup(module, name);
	if (!ksp) {
		mutex_exit(&registry_lock);
		return -ENOENT;
	}
	mutex_enter(ksp->ks_lock);
	if (ksp->ks_update)
		err = ksp->ks_update(ksp, KSTAT_READ);
	if (!err) {
		ksp->ks_snaptime = gethrtime();
		if (!(ksp->ks_flags & KSTAT_FLAG_NO_HEADERS))
			emit_headers(&o, ksp);
		emit_data(&o, ksp);
	}
	mutex_exit(ksp->ks_lock);
	mutex_exit(&registry_lock);
	if (err)
		return err > 0 ? -err : err;	/* providers return Solaris (positive) errors */
	return o.full ? -ENOSPC : (long)o.len;
}

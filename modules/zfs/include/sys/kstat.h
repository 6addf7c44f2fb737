/* Kernel statistics: named counters, I/O and timer records and raw tables
 * that OpenZFS parts register and update. Registered kstats are kept in a
 * list and can be read back as text with spl_kstat_read() (the same lines
 * Linux shows under /proc/spl/kstat). */
#ifndef OSPREY_SPL_SYS_KSTAT_H
#define OSPREY_SPL_SYS_KSTAT_H
#include <sys/types.h>
#include <sys/time.h>
#include <sys/mutex.h>

#define KSTAT_STRLEN		255
#define KSTAT_RAW_MAX		(128 * 1024)

#define KSTAT_TYPE_RAW		0
#define KSTAT_TYPE_NAMED	1
#define KSTAT_TYPE_INTR		2
#define KSTAT_TYPE_IO		3
#define KSTAT_TYPE_TIMER	4
#define KSTAT_NUM_TYPES		5

#define KSTAT_DATA_CHAR		0
#define KSTAT_DATA_INT32	1
#define KSTAT_DATA_UINT32	2
#define KSTAT_DATA_INT64	3
#define KSTAT_DATA_UINT64	4
#define KSTAT_DATA_LONG		5
#define KSTAT_DATA_ULONG	6
#define KSTAT_DATA_STRING	7
#define KSTAT_NUM_DATAS		8

#define KSTAT_INTR_HARD		0
#define KSTAT_INTR_SOFT		1
#define KSTAT_INTR_WATCHDOG	2
#define KSTAT_INTR_SPURIOUS	3
#define KSTAT_INTR_MULTSVC	4
#define KSTAT_NUM_INTRS		5

#define KSTAT_FLAG_VIRTUAL	0x01	/* ks_data is the provider's */
#define KSTAT_FLAG_VAR_SIZE	0x02
#define KSTAT_FLAG_WRITABLE	0x04
#define KSTAT_FLAG_PERSISTENT	0x08
#define KSTAT_FLAG_DORMANT	0x10
#define KSTAT_FLAG_INVALID	0x20
#define KSTAT_FLAG_LONGSTRINGS	0x40
#define KSTAT_FLAG_NO_HEADERS	0x80

#define KSTAT_READ		0
#define KSTAT_WRITE		1

typedef struct kstat_s kstat_t;
typedef int kid_t;
typedef int kstat_update_t(kstat_t *, int);

typedef struct kstat_raw_ops {
	int (*headers)(char *buf, size_t size);
	int (*data)(char *buf, size_t size, void *data);
	void *(*addr)(kstat_t *ksp, loff_t index);
} kstat_raw_ops_t;

struct kstat_s {
	kid_t		ks_kid;
	hrtime_t	ks_crtime;
	hrtime_t	ks_snaptime;	/* when last read */
	int		ks_instance;
	char		ks_module[KSTAT_STRLEN + 1];
	char		ks_name[KSTAT_STRLEN + 1];
	char		ks_class[KSTAT_STRLEN + 1];
	uchar_t		ks_type;
	uchar_t		ks_flags;
	void		*ks_data;
	uint_t		ks_ndata;
	size_t		ks_data_size;
	kstat_update_t	*ks_update;
	void		*ks_private;
	kmutex_t	ks_private_lock;	/* ks_lock unless the provider sets its own */
	kmutex_t	*ks_lock;
	kstat_raw_ops_t	ks_raw_ops;
	kstat_t		*ks_next;	/* registry link, under the registry lock */
	bool		ks_installed;
};

typedef struct kstat_named_s {
	char	name[KSTAT_STRLEN];
	uchar_t	data_type;
	union {
		char c[16];
		int32_t i32;
		uint32_t ui32;
		int64_t i64;
		uint64_t ui64;
		long l;
		ulong_t ul;
		struct {
			union {
				char *ptr;
				char __pad[8];
			} addr;
			uint32_t len;	/* strlen + 1 */
		} string;
	} value;
} kstat_named_t;

#define KSTAT_NAMED_STR_PTR(knptr)	((knptr)->value.string.addr.ptr)
#define KSTAT_NAMED_STR_BUFLEN(knptr)	((knptr)->value.string.len)

typedef struct kstat_intr {
	uint_t intrs[KSTAT_NUM_INTRS];
} kstat_intr_t;

typedef struct kstat_io {
	u_longlong_t	nread;
	u_longlong_t	nwritten;
	uint_t		reads;
	uint_t		writes;
	hrtime_t	wtime;
	hrtime_t	wlentime;
	hrtime_t	wlastupdate;
	hrtime_t	rtime;
	hrtime_t	rlentime;
	hrtime_t	rlastupdate;
	uint_t		wcnt;
	uint_t		rcnt;
} kstat_io_t;

typedef struct kstat_timer {
	char		name[KSTAT_STRLEN + 1];
	u_longlong_t	num_events;
	hrtime_t	elapsed_time;
	hrtime_t	min_time;
	hrtime_t	max_time;
	hrtime_t	start_time;
	hrtime_t	stop_time;
} kstat_timer_t;

kstat_t *kstat_create(const char *module, int instance, const char *name,
    const char *class, uchar_t type, uint_t ndata, uchar_t flags);
void kstat_install(kstat_t *ksp);
void kstat_delete(kstat_t *ksp);
void kstat_set_raw_ops(kstat_t *ksp, int (*headers)(char *, size_t),
    int (*data)(char *, size_t, void *), void *(*addr)(kstat_t *, loff_t));
void kstat_named_init(kstat_named_t *knp, const char *name, uchar_t type);
void kstat_named_setstr(kstat_named_t *knp, const char *str);

/* Osprey: the text of an installed kstat, as Linux's /proc/spl/kstat shows
 * it, into buf (NUL-terminated). Returns its length, -ENOENT when no such
 * kstat is installed, -ENOSPC when it does not fit, or the update
 * callback's error. */
long spl_kstat_read(const char *module, const char *name, char *buf, size_t size);

#endif

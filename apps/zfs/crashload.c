/* crashload: the crash test's mixed workload and its verifier.
 *
 *   crashload run DIR LOG SEED   three threads at once in DIR until each has
 *                                done its share (or the machine is killed)
 *   crashload verify DIR         what a crash left in DIR, checked
 *
 * The threads of `run` (Osprey cannot fork: one program, three threads):
 * - log: truncates DIR/LOG and appends records 1, 2, ... in records.c's
 *   format, fsync(2) after each, then `ack log K`.
 * - sql: DIR/db.sqlite, PRAGMA synchronous=FULL, journal_mode=WAL. Each
 *   transaction T (numbered on from the last committed one) is BEGIN; 1-16
 *   rows (id, T, the transaction's row count, a payload derived from id
 *   and the seed's length, its SHA-256); an UPDATE of the meta row to T
 *   and the row total; COMMIT; then `ack sql T`.
 * - files: in DIR/files, generation G (on from the one in `cur`) writes
 *   tmp.G (header, pattern, SHA-256), fsyncs it, links cur to old.G-1,
 *   renames tmp.G over cur, unlinks old.G-KEEP, fsyncs the directory, then
 *   `ack file G`. Leftover tmp files and old ones past the window are
 *   unlinked when a run starts.
 * Each ack follows the fsync that makes its work durable, so an acked
 * record, transaction or generation must survive any crash.
 *
 * `verify` prints, for every DIR/log.* file, records.c's check lines
 * (`crashload: check FILE: highest H, ...` and `crashload: check ok`);
 *   crashload: sql: integrity_check: R          (one line per row)
 *   crashload: sql: txns M rows N               then `sql ok` or `sql FAIL: why`
 *   crashload: files: generation C, old A..B, tmp T|none
 *                                               then `files ok` or `files FAIL: why`
 * and last `crashload: verify ok` (exit 0) or `crashload: verify FAIL`.
 * The sql check: integrity_check says ok, ids run 1..N, transactions run
 * 1..M each with all of its rows (none half there), every payload matches
 * its SHA-256 and its pattern, the meta row says M and N, and the index
 * finds N rows. The files invariant (ZFS replays its intent log in order,
 * so a crash leaves a prefix of a generation's steps): cur is an intact
 * generation C; the old.X present are intact copies of generation X, all
 * of C-KEEP+1..C-1 and maybe C-KEEP and C; at most one tmp, tmp.C+1.
 *
 * Why WAL and not DELETE: with synchronous=FULL a WAL commit fsyncs the
 * WAL before COMMIT returns, so an acked transaction is durable. In DELETE
 * mode FULL does not sync the directory after unlinking the journal that
 * commits a transaction (only synchronous=EXTRA does, SQLite's documented
 * difference), so a crash soon after COMMIT may leave the journal, and the
 * next open rolls the acked transaction back on a correct filesystem: the
 * first runs of this campaign did exactly that (acked T, found T-1,
 * integrity ok). WAL also brings in what DELETE lacks: the -shm file
 * shared through mmap(2), checkpoints writing pages in place, and
 * recovery from the WAL at the next open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records.h"
#include "sha256.h"

#define LOG_RECORDS 4000	/* each thread's share: the kill comes long before */
#define SQL_TXNS 3000
#define FILE_GENS 3000
#define TXN_ROWS_MAX 16
#define PAYLOAD_MIN 16
#define PAYLOAD_MAX 1024
#define KEEP 4			/* old generations kept */
#define FILE_MIN 64
#define FILE_MAX (256 * 1024)	/* two ZFS blocks at most (recordsize 128K) */
#define FILE_MAGIC "CRASHGEN"
#define FILE_HEADER 24		/* magic, generation, size, zero */

static const char *dir;
static uint64_t seed;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line per write(2), so that the threads' lines never mix. */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	pthread_mutex_lock(&out_lock);
	write_all(1, line, (size_t)n);
	pthread_mutex_unlock(&out_lock);
}

/* A step of the workload failed: the run is void, so stop at once. */
static _Noreturn void die(const char *what, const char *why)
{
	say("crashload: FAIL: %s: %s", what, why);
	_exit(1);
}

/* A reason, formatted, in a buffer of the calling thread's that the next
 * call reuses. */
static const char *whyf(const char *fmt, ...)
{
	static _Thread_local char why[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return why;
}

/* splitmix64: the workload's choices and the payload patterns. */
static uint64_t next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void pattern(uint8_t *p, size_t len, uint64_t key)
{
	uint64_t s = key;

	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			s = next_random(&s) ^ i;
		p[i] = (uint8_t)(s >> (8 * (i % 8)));
	}
}

static void join(char *buf, const char *a, const char *b)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", a, b) >= PATH_MAX)
		die(a, "path too long");
}

/* ------------------------------------------------------------- log */

static void *log_thread(void *arg)
{
	char path[PATH_MAX];
	uint8_t *r = malloc(RECORD_DEFAULT_SIZE);
	const char *what;
	int fd;

	join(path, dir, arg);
	if (!r)
		die(path, "out of memory");
	fd = record_open(path, &what);
	if (fd < 0)
		die(path, strerror(errno));
	for (uint64_t k = 1; k <= LOG_RECORDS; k++) {
		if (record_append(fd, r, RECORD_DEFAULT_SIZE, k, &what) < 0)
			die(what, strerror(errno));
		say("ack log %" PRIu64, k);
	}
	close(fd);
	free(r);
	return NULL;
}

/* ------------------------------------------------------------- sql */

#define SCHEMA "BEGIN;" \
	"CREATE TABLE IF NOT EXISTS rows(id INTEGER PRIMARY KEY, txn INTEGER NOT NULL, " \
	"n INTEGER NOT NULL, payload BLOB NOT NULL, sum TEXT NOT NULL);" \
	"CREATE INDEX IF NOT EXISTS rows_txn ON rows(txn);" \
	"CREATE TABLE IF NOT EXISTS meta(k INTEGER PRIMARY KEY CHECK (k = 0), " \
	"txns INTEGER NOT NULL, rows INTEGER NOT NULL);" \
	"INSERT OR IGNORE INTO meta VALUES(0, 0, 0);" \
	"COMMIT"

static void payload_for(int64_t id, uint8_t *p, size_t len)
{
	pattern(p, len, (uint64_t)id * 0xd1342543de82ef95ULL);
}

static void sql_die(sqlite3 *db, const char *what)
{
	die(what, sqlite3_errmsg(db));
}

static void sql_run(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		sql_die(db, sql);
}

/* journal_mode=WAL, which SQLite answers with the mode it now has (the
 * old one when it could not change). */
static void sql_wal(sqlite3 *db)
{
	sqlite3_stmt *st;
	const char *mode;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		sql_die(db, "journal_mode=WAL");
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal"))
		die("journal_mode=WAL", mode ? mode : "no answer");
	sqlite3_finalize(st);
}

/* The meta row: (transactions, rows) committed so far. */
static int sql_meta(sqlite3 *db, int64_t *txns, int64_t *rows)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT txns, rows FROM meta", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		*txns = sqlite3_column_int64(st, 0);
		*rows = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	return n == 1 ? 0 : -1;
}

static void sql_insert(sqlite3 *db, sqlite3_stmt *ins, int64_t id, int64_t txn, int64_t n,
    uint64_t *rnd)
{
	uint8_t payload[PAYLOAD_MAX], digest[SHA256_DIGEST_LEN];
	char hex[65];
	size_t len = PAYLOAD_MIN + next_random(rnd) % (PAYLOAD_MAX - PAYLOAD_MIN + 1);

	payload_for(id, payload, len);
	sha256(payload, len, digest);
	sha256_hex(digest, hex);
	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_int64(ins, 2, txn);
	sqlite3_bind_int64(ins, 3, n);
	sqlite3_bind_blob(ins, 4, payload, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, hex, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(ins) != SQLITE_DONE)
		sql_die(db, "insert");
	sqlite3_reset(ins);
}

static void sql_transaction(sqlite3 *db, sqlite3_stmt *ins, sqlite3_stmt *upd, int64_t txn,
    int64_t *rows, uint64_t *rnd)
{
	int64_t n = 1 + (int64_t)(next_random(rnd) % TXN_ROWS_MAX);

	sql_run(db, "BEGIN");
	for (int64_t i = 0; i < n; i++)
		sql_insert(db, ins, *rows + 1 + i, txn, n, rnd);
	sqlite3_bind_int64(upd, 1, txn);
	sqlite3_bind_int64(upd, 2, *rows + n);
	if (sqlite3_step(upd) != SQLITE_DONE)
		sql_die(db, "update meta");
	sqlite3_reset(upd);
	sql_run(db, "COMMIT");
	*rows += n;
}

static void *sql_thread(void *arg)
{
	char path[PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *ins, *upd;
	int64_t txns, rows;
	uint64_t rnd = seed ^ 0x5eed5e11ULL;

	(void)arg;
	join(path, dir, "db.sqlite");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		sql_die(db, path);
	sql_wal(db);
	sql_run(db, "PRAGMA synchronous=FULL");
	sql_run(db, "PRAGMA temp_store=MEMORY");
	sql_run(db, SCHEMA);
	if (sql_meta(db, &txns, &rows) < 0)
		sql_die(db, "read meta");
	say("crashload: sql: from txn %" PRId64 " (%" PRId64 " rows)", txns + 1, rows);
	if (sqlite3_prepare_v2(db, "INSERT INTO rows(id, txn, n, payload, sum) VALUES(?, ?, ?, ?, ?)",
	    -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE meta SET txns = ?, rows = ? WHERE k = 0", -1, &upd,
	    NULL) != SQLITE_OK)
		sql_die(db, "prepare");
	for (int64_t t = txns + 1; t <= txns + SQL_TXNS; t++) {
		sql_transaction(db, ins, upd, t, &rows, &rnd);
		say("ack sql %" PRId64, t);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(upd);
	sqlite3_close(db);
	return NULL;
}

/* ------------------------------------------------------------- files */

static void file_make(uint8_t *p, size_t size, uint64_t gen)
{
	memcpy(p, FILE_MAGIC, 8);
	put64(p + 8, gen);
	put32(p + 16, (uint32_t)size);
	put32(p + 20, 0);
	pattern(p + FILE_HEADER, size - FILE_HEADER - SHA256_DIGEST_LEN, gen ^ 0xf11ef11eULL);
	sha256(p, size - SHA256_DIGEST_LEN, p + size - SHA256_DIGEST_LEN);
}

/* NULL when the file at path is an intact generation (*gen), else why
 * not; "missing" when it is absent. */
static const char *file_check(const char *path, uint64_t *gen, uint8_t *buf, uint8_t *want)
{
	struct stat st;
	uint8_t digest[SHA256_DIGEST_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return errno == ENOENT ? "missing" : strerror(errno);
	if (fstat(fd, &st) < 0 || st.st_size < FILE_MIN || st.st_size > FILE_MAX) {
		close(fd);
		return "a size no generation has";
	}
	got = read_full(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size)
		return "short read";
	sha256(buf, (size_t)got - SHA256_DIGEST_LEN, digest);
	if (memcmp(digest, buf + got - SHA256_DIGEST_LEN, SHA256_DIGEST_LEN))
		return "checksum mismatch";
	if (memcmp(buf, FILE_MAGIC, 8) || get32(buf + 16) != (uint32_t)got)
		return "no header";
	*gen = get64(buf + 8);
	file_make(want, (size_t)got, *gen);
	return memcmp(buf, want, (size_t)got) ? "contents differ from the generation's pattern" : NULL;
}

/* Whether name is PREFIX.N (N decimal, no sign or leading zero). */
static int name_gen(const char *name, const char *prefix, uint64_t *gen)
{
	size_t n = strlen(prefix);
	char *end;

	if (strncmp(name, prefix, n) || name[n] != '.' || name[n + 1] < '1' || name[n + 1] > '9')
		return 0;
	errno = 0;
	*gen = strtoull(name + n + 1, &end, 10);
	return !*end && !errno;
}

/* When a run starts: leftover tmp files and old ones out of the window go. */
static void files_cleanup(const char *d, uint64_t cur)
{
	char path[PATH_MAX];
	DIR *dp = opendir(d);
	struct dirent *e;
	uint64_t g;

	if (!dp)
		die(d, strerror(errno));
	while ((e = readdir(dp))) {
		if (name_gen(e->d_name, "tmp", &g) || (name_gen(e->d_name, "old", &g) && g + KEEP <= cur)) {
			join(path, d, e->d_name);
			if (unlink(path) < 0)
				die(path, strerror(errno));
		}
	}
	closedir(dp);
	if (fsync_dir(d) < 0)
		die(d, strerror(errno));
}

static void file_generation(const char *d, uint64_t gen, uint8_t *buf, size_t size)
{
	char tmp[PATH_MAX], cur[PATH_MAX], old[PATH_MAX], name[32];
	int fd;

	snprintf(name, sizeof(name), "tmp.%" PRIu64, gen);
	join(tmp, d, name);
	join(cur, d, "cur");
	file_make(buf, size, gen);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, buf, size) < 0 || fsync(fd) < 0 || close(fd) < 0)
		die(tmp, strerror(errno));
	snprintf(name, sizeof(name), "old.%" PRIu64, gen - 1);
	join(old, d, name);
	/* old.G-1 is there already when a crash came after this step */
	if (gen > 1 && link(cur, old) < 0 && errno != EEXIST)
		die(old, strerror(errno));
	if (rename(tmp, cur) < 0)
		die(cur, strerror(errno));
	snprintf(name, sizeof(name), "old.%" PRIu64, gen - KEEP);
	join(old, d, name);
	if (gen > KEEP && unlink(old) < 0)
		die(old, strerror(errno));
	if (fsync_dir(d) < 0)
		die(d, strerror(errno));
}

static void *files_thread(void *arg)
{
	char d[PATH_MAX], cur[PATH_MAX];
	uint8_t *buf = malloc(FILE_MAX), *want = malloc(FILE_MAX);
	uint64_t rnd = seed ^ 0xf11e5ULL, c = 0;
	const char *why;

	(void)arg;
	if (!buf || !want)
		die("files", "out of memory");
	join(d, dir, "files");
	if ((mkdir(d, 0755) < 0 && errno != EEXIST) || fsync_dir(dir) < 0)
		die(d, strerror(errno));
	join(cur, d, "cur");
	why = file_check(cur, &c, buf, want);
	if (why && strcmp(why, "missing"))
		die(cur, why);
	files_cleanup(d, c);
	say("crashload: files: from generation %" PRIu64, c + 1);
	for (uint64_t g = c + 1; g <= c + FILE_GENS; g++) {
		file_generation(d, g, buf, FILE_MIN + next_random(&rnd) % (FILE_MAX - FILE_MIN + 1));
		say("ack file %" PRIu64, g);
	}
	free(buf);
	free(want);
	return NULL;
}

/* ------------------------------------------------------------- verify */

static int is_log(const struct dirent *e)
{
	return !strncmp(e->d_name, "log.", 4);
}

static int verify_logs(void)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n = scandir(dir, &names, is_log, alphasort), bad = 0;

	if (n < 0) {
		say("crashload: check FAIL: %s: %s", dir, strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		join(path, dir, names[i]->d_name);
		bad |= record_check("crashload", path, RECORD_DEFAULT_SIZE);
		fflush(stdout);		/* record_check prints with stdio */
		free(names[i]);
	}
	free(names);
	return bad;
}

static int sql_bad(sqlite3 *db, const char *what)
{
	say("crashload: sql FAIL: %s: %s", what, sqlite3_errmsg(db));
	return 1;
}

static int64_t sql_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int sql_integrity(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc, rows = 0, ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return sql_bad(db, "integrity_check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		say("crashload: sql: integrity_check: %s", r ? r : "(null)");
		ok = r && !strcmp(r, "ok");
		rows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_bad(db, "integrity_check");
	if (rows != 1 || !ok) {
		say("crashload: sql FAIL: integrity_check did not say ok");
		return 1;
	}
	return 0;
}

/* Where the walk over the rows is: the transaction being read. */
struct walk {
	int64_t id, txn, n, seen;
};

/* NULL when the row fits after what w has seen, else why not. */
static const char *walk_row(struct walk *w, int64_t id, int64_t txn, int64_t n, const uint8_t *p,
    int len, const char *sum)
{
	uint8_t want[PAYLOAD_MAX], digest[SHA256_DIGEST_LEN];
	char hex[65];

	if (id != w->id + 1)
		return whyf("row ids jump from %" PRId64 " to %" PRId64, w->id, id);
	w->id = id;
	if (!p || len < PAYLOAD_MIN || len > PAYLOAD_MAX || !sum)
		return whyf("row %" PRId64 ": a payload of %d bytes", id, len);
	sha256(p, (size_t)len, digest);
	sha256_hex(digest, hex);
	if (strcmp(hex, sum))
		return whyf("row %" PRId64 ": the payload does not match its checksum", id);
	payload_for(id, want, (size_t)len);
	if (memcmp(p, want, (size_t)len))
		return whyf("row %" PRId64 ": the payload is not its pattern", id);
	if (txn != w->txn) {
		if (w->txn && w->seen != w->n)
			return whyf("half a transaction: txn %" PRId64 " has %" PRId64 " of its %" PRId64
			    " rows", w->txn, w->seen, w->n);
		if (txn != w->txn + 1)
			return whyf("txn %" PRId64 " follows txn %" PRId64, txn, w->txn);
		w->txn = txn;
		w->n = n;
		w->seen = 0;
	}
	if (n != w->n || n < 1 || n > TXN_ROWS_MAX)
		return whyf("row %" PRId64 ": txn %" PRId64 " of %" PRId64 " rows says %" PRId64, id, txn,
		    w->n, n);
	w->seen++;
	return NULL;
}

static int sql_walk(sqlite3 *db, struct walk *w)
{
	sqlite3_stmt *st;
	const char *why = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id, txn, n, payload, sum FROM rows ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK)
		return sql_bad(db, "select rows");
	while (!why && (rc = sqlite3_step(st)) == SQLITE_ROW)
		why = walk_row(w, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		    sqlite3_column_int64(st, 2), sqlite3_column_blob(st, 3), sqlite3_column_bytes(st, 3),
		    (const char *)sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	if (!why && rc != SQLITE_DONE)
		return sql_bad(db, "select rows");
	if (!why && w->txn && w->seen != w->n)
		why = whyf("half a transaction: the last, txn %" PRId64 ", has %" PRId64 " of its %" PRId64
		    " rows", w->txn, w->seen, w->n);
	if (why) {
		say("crashload: sql FAIL: %s", why);
		return 1;
	}
	return 0;
}

static int sql_checks(sqlite3 *db)
{
	struct walk w = { 0, 0, 0, 0 };
	int64_t tables, txns, rows, indexed;

	if (sql_integrity(db))
		return 1;
	tables = sql_count(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('rows', 'rows_txn', 'meta')");
	if (tables == 0) {	/* the schema's transaction never committed */
		say("crashload: sql: txns 0 rows 0 (no tables)");
		return 0;
	}
	if (tables != 3) {
		say("crashload: sql FAIL: %" PRId64 " of the 3 schema objects", tables);
		return 1;
	}
	if (sql_meta(db, &txns, &rows) < 0)
		return sql_bad(db, "meta is not one row");
	say("crashload: sql: txns %" PRId64 " rows %" PRId64, txns, rows);
	if (sql_walk(db, &w))
		return 1;
	if (w.txn != txns || w.id != rows) {
		say("crashload: sql FAIL: meta says txns %" PRId64 " rows %" PRId64 ", the table holds txns %"
		    PRId64 " rows %" PRId64, txns, rows, w.txn, w.id);
		return 1;
	}
	indexed = sql_count(db, "SELECT count(*) FROM rows INDEXED BY rows_txn WHERE txn >= 1");
	if (indexed != rows) {
		say("crashload: sql FAIL: the index finds %" PRId64 " rows of %" PRId64, indexed, rows);
		return 1;
	}
	return 0;
}

static int verify_sql(void)
{
	char path[PATH_MAX];
	sqlite3 *db;
	struct stat st;
	int bad;

	join(path, dir, "db.sqlite");
	if (stat(path, &st) < 0 && errno == ENOENT) {
		say("crashload: sql: txns 0 rows 0 (no database)");
		say("crashload: sql ok");
		return 0;
	}
	/* read-write: the first read recovers from the WAL the crash left */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		bad = sql_bad(db, path);
	} else {
		sql_run(db, "PRAGMA temp_store=MEMORY");
		bad = sql_checks(db);
	}
	sqlite3_close(db);
	if (!bad)
		say("crashload: sql ok");
	return bad;
}

/* What DIR/files holds: the generation in cur, the old.X present (as a
 * bitmap of X = cur-KEEP..cur), and the tmp files. */
struct files {
	uint64_t cur, tmp, ntmp;
	unsigned olds;
	char why[PATH_MAX + 128];	/* the first thing wrong, "" while none */
};

static void files_bad(struct files *f, const char *why)
{
	if (!f->why[0])
		snprintf(f->why, sizeof(f->why), "%s", why);
}

static void files_entry(struct files *f, const char *d, const char *name, uint8_t *buf, uint8_t *want)
{
	char path[PATH_MAX];
	uint64_t g, got;
	const char *why;

	if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "cur"))
		return;
	if (name_gen(name, "tmp", &g)) {
		f->tmp = g;
		f->ntmp++;
		return;
	}
	join(path, d, name);
	if (!name_gen(name, "old", &g)) {
		why = "a name the workload never makes";
	} else if (g > f->cur || g + KEEP < f->cur) {
		why = "out of the window of old generations";
	} else if ((why = file_check(path, &got, buf, want)) == NULL && got != g) {
		why = "holds another generation";
	} else if (!why) {
		f->olds |= 1u << (f->cur - g);
	}
	if (why)
		files_bad(f, whyf("%s: %s", path, why));
}

/* Why the old generations and tmp files break the invariant, or NULL. */
static const char *files_window(struct files *f)
{
	for (uint64_t x = f->cur > KEEP ? f->cur - KEEP + 1 : 1; x < f->cur; x++)
		if (!(f->olds & 1u << (f->cur - x)))
			return whyf("old.%" PRIu64 " is missing", x);
	if (f->ntmp > 1 || (f->ntmp && f->tmp != f->cur + 1))
		return whyf("%" PRIu64 " tmp files (tmp.%" PRIu64 "), only tmp.%" PRIu64 " may be there",
		    f->ntmp, f->tmp, f->cur + 1);
	return NULL;
}

static void files_say(const struct files *f)
{
	char tmp[48] = "none", old[48] = "none";
	uint64_t lo = 0, hi = 0;

	for (unsigned i = 0; i <= KEEP; i++)
		if (f->olds & 1u << i) {
			hi = hi ? hi : f->cur - i;
			lo = f->cur - i;
		}
	if (hi)
		snprintf(old, sizeof(old), "%" PRIu64 "..%" PRIu64, lo, hi);
	if (f->ntmp)
		snprintf(tmp, sizeof(tmp), "tmp.%" PRIu64 "%s", f->tmp, f->ntmp > 1 ? " and more" : "");
	say("crashload: files: generation %" PRIu64 ", old %s, tmp %s", f->cur, old, tmp);
}

static int verify_files(void)
{
	char d[PATH_MAX], cur[PATH_MAX];
	uint8_t *buf = malloc(FILE_MAX), *want = malloc(FILE_MAX);
	struct files f = { 0 };
	const char *why;
	struct dirent *e;
	DIR *dp;

	join(d, dir, "files");
	join(cur, d, "cur");
	if (!buf || !want)
		die("files", "out of memory");
	why = file_check(cur, &f.cur, buf, want);
	if (why && strcmp(why, "missing"))
		files_bad(&f, whyf("cur: %s", why));
	dp = opendir(d);
	if (!dp && errno != ENOENT)
		files_bad(&f, whyf("%s: %s", d, strerror(errno)));
	while (dp && (e = readdir(dp)))
		files_entry(&f, d, e->d_name, buf, want);
	if (dp)
		closedir(dp);
	if ((why = files_window(&f)))
		files_bad(&f, why);
	files_say(&f);
	if (f.why[0])
		say("crashload: files FAIL: %s", f.why);
	else
		say("crashload: files ok");
	free(buf);
	free(want);
	return f.why[0] != '\0';
}

static int verify(void)
{
	int bad = verify_logs();

	bad |= verify_sql();
	bad |= verify_files();
	say(bad ? "crashload: verify FAIL" : "crashload: verify ok");
	return bad;
}

/* ------------------------------------------------------------- main */

static int run(const char *log)
{
	pthread_t t[3];

	if (strchr(log, '/') || strncmp(log, "log.", 4))
		die(log, "the log's name must be log.SOMETHING, in DIR");
	say("crashload: run in %s, seed %" PRIu64, dir, seed);
	if (pthread_create(&t[0], NULL, log_thread, (void *)log) ||
	    pthread_create(&t[1], NULL, sql_thread, NULL) ||
	    pthread_create(&t[2], NULL, files_thread, NULL))
		die("pthread_create", "failed");
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	say("crashload: done");
	return 0;
}

int main(int argc, char **argv)
{
	char *end;

	if (argc == 5 && !strcmp(argv[1], "run")) {
		dir = argv[2];
		errno = 0;
		seed = strtoull(argv[4], &end, 0);
		if (*end || !*argv[4] || errno) {
			fprintf(stderr, "crashload: SEED must be a number\n");
			return 2;
		}
		return run(argv[3]);
	}
	if (argc == 3 && !strcmp(argv[1], "verify")) {
		dir = argv[2];
		return verify();
	}
	fprintf(stderr, "usage: crashload run DIR LOG SEED\n       crashload verify DIR\n");
	return 2;
}

/* sqlitetest: SQLite (Debian's libsqlite3.a, linked statically) on the
 * filesystem under test.
 *
 *   sqlitetest DB N           a fresh table t in DB, N rows inserted in
 *                             transactions of 100, then the row count
 *   sqlitetest --check DB N   PRAGMA integrity_check, the count (must be
 *                             N), and every row's contents
 *
 * Lines: `sqlitetest: inserted N rows in T ms`, `sqlitetest: count C`,
 * `sqlitetest: integrity_check: RESULT` (one per result row; `ok` when
 * sound), `sqlitetest: rows match`, and last `sqlitetest: ok` or
 * `sqlitetest: FAIL: why`; exit 0 only on ok. Rows are id, a key
 * `key-%08d` (indexed) and a 100-byte value derived from id. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100
#define VALUE_LEN 100

static sqlite3 *db;

static int fail(const char *what)
{
	printf("sqlitetest: FAIL: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
	fflush(stdout);
	return 1;
}

static void value_for(long long id, unsigned char v[VALUE_LEN])
{
	uint32_t x = (uint32_t)id * 2654435761u + 12345;

	for (int i = 0; i < VALUE_LEN; i++) {
		x = x * 1103515245u + 12345;
		v[i] = (unsigned char)(x >> 16);
	}
}

static int exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		printf("sqlitetest: FAIL: %s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static long long count_rows(void)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int insert(long long n)
{
	sqlite3_stmt *st;
	unsigned char v[VALUE_LEN];
	char key[32];
	uint64_t t0 = now_ms();

	if (exec("DROP TABLE IF EXISTS t") || exec("CREATE TABLE t(id INTEGER PRIMARY KEY, "
	    "k TEXT NOT NULL, v BLOB NOT NULL)") || exec("CREATE INDEX t_k ON t(k)"))
		return 1;
	if (sqlite3_prepare_v2(db, "INSERT INTO t(id, k, v) VALUES(?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return fail("prepare insert");
	for (long long id = 1; id <= n; id++) {
		if ((id - 1) % BATCH == 0 && exec("BEGIN"))
			return 1;
		snprintf(key, sizeof(key), "key-%08lld", id);
		value_for(id, v);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, v, VALUE_LEN, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fail("insert");
		sqlite3_reset(st);
		if ((id % BATCH == 0 || id == n) && exec("COMMIT"))
			return 1;
	}
	sqlite3_finalize(st);
	printf("sqlitetest: inserted %lld rows in %llu ms\n", n, (unsigned long long)(now_ms() - t0));
	long long c = count_rows();
	printf("sqlitetest: count %lld\n", c);
	if (c != n) {
		printf("sqlitetest: FAIL: count %lld, expected %lld\n", c, n);
		return 1;
	}
	return 0;
}

static int check(long long n)
{
	sqlite3_stmt *st;
	int ok = 1, rc;
	long long c, expect = 1;
	unsigned char v[VALUE_LEN];
	char key[32];

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return fail("prepare integrity_check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		printf("sqlitetest: integrity_check: %s\n", r ? r : "(null)");
		ok &= r && !strcmp(r, "ok");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail("integrity_check");
	c = count_rows();
	printf("sqlitetest: count %lld\n", c);
	if (!ok) {
		printf("sqlitetest: FAIL: integrity_check did not say ok\n");
		return 1;
	}
	if (c != n) {
		printf("sqlitetest: FAIL: count %lld, expected %lld\n", c, n);
		return 1;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, k, v FROM t ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return fail("prepare select");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const char *k = (const char *)sqlite3_column_text(st, 1);
		const void *b = sqlite3_column_blob(st, 2);
		int blen = sqlite3_column_bytes(st, 2);
		snprintf(key, sizeof(key), "key-%08lld", expect);
		value_for(expect, v);
		if (id != expect || !k || strcmp(k, key) || blen != VALUE_LEN || memcmp(b, v, VALUE_LEN)) {
			printf("sqlitetest: FAIL: row %lld differs (id %lld, key %s, %d value bytes)\n",
			    expect, id, k ? k : "(null)", blen);
			sqlite3_finalize(st);
			return 1;
		}
		expect++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail("select");
	/* the index agrees with the table */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t INDEXED BY t_k WHERE k >= 'key-'", -1, &st,
	    NULL) != SQLITE_OK)
		return fail("prepare index count");
	c = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (c != n) {
		printf("sqlitetest: FAIL: the index finds %lld rows, expected %lld\n", c, n);
		return 1;
	}
	printf("sqlitetest: rows match\n");
	return 0;
}

int main(int argc, char **argv)
{
	int checking = argc == 4 && !strcmp(argv[1], "--check");
	char *end;
	long long n;
	int rc;

	if (argc != 3 && !checking) {
		fprintf(stderr, "usage: sqlitetest DB N\n       sqlitetest --check DB N\n");
		return 2;
	}
	n = strtoll(argv[argc - 1], &end, 10);
	if (*end || n < 0) {
		fprintf(stderr, "sqlitetest: N must be a number\n");
		return 2;
	}
	printf("sqlitetest: SQLite %s\n", sqlite3_libversion());
	if (sqlite3_open_v2(argv[argc - 2], &db, checking ? SQLITE_OPEN_READWRITE :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return fail(argv[argc - 2]);
	rc = checking ? check(n) : insert(n);
	if (sqlite3_close(db) != SQLITE_OK)
		rc = fail("close");
	if (!rc)
		printf("sqlitetest: ok\n");
	fflush(stdout);
	return rc;
}

#ifndef TEST_SELFTEST_H
#define TEST_SELFTEST_H

/* Runs the in-kernel test suite NAME ("all" for every one); prints a
 * PASS/FAIL line per test and returns the number of failures. */
int selftest_run(const char *name);

#endif

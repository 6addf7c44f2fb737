/* How signals end a program, one way per run (the status is the test):
 *   sigexit pipe-ignore  SIGPIPE ignored: the write fails with EPIPE, exit 0
 *   sigexit pipe         a write to a pipe without readers: killed, 141
 *   sigexit raise SIG    raise(SIG) with the default action: 128 + SIG
 *   sigexit kill-thread  another thread sends SIGTERM to the process while
 *                        this one sleeps: 143
 *   sigexit segv         a write to a read-only page, no handler: 139
 * A line "not ok" means the program outlived what should have ended it. */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void *terminator(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	kill(getpid(), SIGTERM);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int p[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "pipe-ignore") || !strcmp(mode, "pipe")) {
		if (pipe(p))
			bail("sigexit", "pipe");
		close(p[0]);
		if (mode[4])
			signal(SIGPIPE, SIG_IGN);
		printf("sigexit: writing to a pipe without readers\n");
		ssize_t n = write(p[1], "x", 1);
		check("sigexit.pipe_ignored_epipe", mode[4] && n == -1 && errno == EPIPE,
		    "write gave %zd (%s)", n, strerror(errno));
	} else if (!strcmp(mode, "raise") && argc > 2) {
		printf("sigexit: raising %s\n", argv[2]);
		raise(atoi(argv[2]));
		check("sigexit.raise", 0, "survived signal %s", argv[2]);
	} else if (!strcmp(mode, "kill-thread")) {
		pthread_t t;
		struct timespec ts = { 5, 0 };
		pthread_create(&t, NULL, terminator, NULL);
		nanosleep(&ts, NULL);
		check("sigexit.kill_thread", 0, "survived SIGTERM for 5 s");
	} else if (!strcmp(mode, "segv")) {
		char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("sigexit: writing to a read-only page\n");
		*(volatile char *)page = 1;
		check("sigexit.segv", 0, "survived the write");
	} else {
		printf("usage: sigexit pipe|pipe-ignore|raise SIG|kill-thread|segv\n");
		return 2;
	}
	return done("sigexit");
}

/* The demo's guest book on ZFS: each boot appends one line to
 * /data/visits.txt, makes it durable (fsync), and prints the whole file,
 * so a second boot shows the first boot's line. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BOOK "/data/visits.txt"

static int count_lines(int fd)
{
	char buf[4096];
	ssize_t n;
	int lines = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return n < 0 ? -1 : lines;
}

int main(void)
{
	char line[128], buf[4096];
	struct timespec now;
	ssize_t n;
	int fd = open(BOOK, O_RDWR | O_CREAT | O_APPEND, 0644);

	if (fd < 0) {
		fprintf(stderr, "visits: %s: %s\n", BOOK, strerror(errno));
		return 1;
	}
	int lines = count_lines(fd);
	if (lines < 0) {
		fprintf(stderr, "visits: reading %s: %s\n", BOOK, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	int len = snprintf(line, sizeof(line), "boot %d at %lld s since 1970, written to ZFS\n",
	    lines + 1, (long long)now.tv_sec);
	if (write(fd, line, len) != len || fsync(fd) != 0) {
		fprintf(stderr, "visits: writing %s: %s\n", BOOK, strerror(errno));
		return 1;
	}
	printf("%s (%d line%s before this boot):\n", BOOK, lines, lines == 1 ? "" : "s");
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
	return 0;
}

/* Parser for /etc/fstab lines (fstab(5)):
 *
 *	# device          dir     type  options                 dump pass
 *	/dev/vblk0.2      /data   rofs  ro,nofail
 *	PARTLABEL=tank    /tank   zfs   arc_max=64M,compression=lz4  0 0
 *	tank/home         /home   zfs   defaults
 *
 * Fields are separated by blanks; options, dump and pass may be left out
 * (defaults, 0, 0). \ooo octal escapes (\040 for a space) are decoded in
 * every field. Pure code: lines are split in place, nothing is allocated;
 * the caller walks the file with fstab_next_line() and reports errors
 * with the line number. */
#ifndef OSPREY_FS_FSTAB_H
#define OSPREY_FS_FSTAB_H
#include <stddef.h>

/* The generic mount options the kernel acts on. */
#define FSTAB_RO	0x1	/* ro (rw clears it) */
#define FSTAB_NOAUTO	0x2	/* noauto: not mounted at boot (auto clears it) */
#define FSTAB_NOFAIL	0x4	/* nofail: no complaint if the device is absent */
#define FSTAB_SYNC	0x8	/* sync (async clears it) */

/* How the device field names the device. */
enum fstab_dev {
	FSTAB_DEV_PATH,		/* starts with '/': /dev/vblk1, /dev/vblk0.2 */
	FSTAB_DEV_PARTLABEL,	/* PARTLABEL=name: GPT partition name */
	FSTAB_DEV_LABEL,	/* LABEL=: filesystem label */
	FSTAB_DEV_UUID,		/* UUID=: filesystem UUID */
	FSTAB_DEV_PARTUUID,	/* PARTUUID=: GPT partition GUID */
	FSTAB_DEV_NAME,		/* anything else: "tank/home", "none", "tmpfs" */
};

struct fstab_entry {
	char *device;		/* the field as written (decoded) */
	enum fstab_dev dev_kind;
	char *dev_value;	/* after "KEY=", quotes removed; else = device */
	char *dir;		/* mount point: absolute ("none" for swap) */
	char *type;		/* e.g. "rofs", "zfs" */
	unsigned flags;		/* FSTAB_* from the options */
	/* The options that are not generic, comma-separated, in their
	 * order, for the filesystem: "arc_max=64M,compression=lz4", or "".
	 * Of the x-* notes only x-systemd.makefs and x-zfs.* are kept;
	 * other x-* and comment= are dropped. */
	char *data;
	int dump, pass;
};

/* Parses one line (NUL-terminated, a trailing '\n' or '\r' is fine),
 * splitting it in place. Returns 1 with *e filled, 0 for a blank or
 * comment ('#' as the first non-blank) line, or -EINVAL with *reason
 * saying what is wrong. */
int fstab_parse_line(char *line, struct fstab_entry *e, const char **reason);

struct fstab_iter {
	char *buf;
	size_t len, off;
	unsigned lineno;	/* of the line last returned, from 1 */
};

/* Walks buf[0..len) line by line. buf[len] must be writable: the last
 * line, if it has no '\n', is terminated there. */
void fstab_iter_init(struct fstab_iter *it, char *buf, size_t len);

/* The next line, NUL-terminated in place ('\n' replaced), with *lineno
 * set; NULL at the end. A NUL byte inside a line ends it early. */
char *fstab_next_line(struct fstab_iter *it, unsigned *lineno);

#endif

/* Disk ioctls that vdevs pass down as ZIO_TYPE_IOCTL. */
#ifndef OSPREY_SPL_SYS_DKIO_H
#define OSPREY_SPL_SYS_DKIO_H

#define DKIOC			(0x04 << 8)
#define DKIOCFLUSHWRITECACHE	(DKIOC | 34)
#define DKIOCFREE		(DKIOC | 50)

#endif

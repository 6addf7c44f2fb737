/* Virtio 1.0 (modern) devices over two transports, MMIO (microvm) and PCI
 * (q35), with split virtqueues. Drivers see only struct virtio_dev. */
#ifndef DEV_VIRTIO_H
#define DEV_VIRTIO_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "sched/sync.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2

#define VIRTIO_F_VERSION_1	32

#define VIRTIO_STATUS_ACK		1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_FAILED		128

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_USED_F_NO_NOTIFY	1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq {
	struct virtio_dev *vdev;
	uint16_t index, size;
	uint16_t free_head, num_free, last_used;
	struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[size] */
	volatile uint16_t *used;	/* flags, idx, then elems */
	void **cookies;			/* per descriptor head */
	volatile uint16_t *notify;	/* PCI: this queue's doorbell */
	spinlock_t lock;
	struct waitq space;		/* waiting for free descriptors */
};

/* A buffer for virtq_add: device-readable ones first, then writable ones. */
struct vq_buf {
	void *addr;
	size_t len;
};

struct virtio_dev;
struct virtio_ops {
	uint64_t (*features)(struct virtio_dev *);
	void (*set_features)(struct virtio_dev *, uint64_t);
	uint8_t (*status)(struct virtio_dev *);
	void (*set_status)(struct virtio_dev *, uint8_t);
	uint32_t (*config_read)(struct virtio_dev *, unsigned off, unsigned size);
	uint16_t (*queue_max)(struct virtio_dev *, uint16_t idx);
	int (*queue_enable)(struct virtio_dev *, struct virtq *);
	void (*notify)(struct virtio_dev *, struct virtq *);
	int (*setup_irq)(struct virtio_dev *, irq_handler_t fn, void *arg);
	void (*ack_irq)(struct virtio_dev *);
};

struct virtio_dev {
	const struct virtio_ops *ops;
	uint32_t device_id;
	uint64_t features;		/* negotiated */
	void *regs;			/* transport registers */
	void *transport;		/* transport-private state */
	const char *where;		/* "mmio@0x..." or "pci 00:03.0", for messages */
};

/* Negotiates features: wanted ones the device offers, plus VERSION_1. */
int virtio_negotiate(struct virtio_dev *vd, uint64_t wanted);
struct virtq *virtq_create(struct virtio_dev *vd, uint16_t index, uint16_t max_size);
/* Queues one request (out buffers then in buffers); waits for descriptors.
 * Returns 0 or -EINVAL if the request can never fit. */
int virtq_add(struct virtq *vq, const struct vq_buf *bufs, int nout, int nin, void *cookie);
/* The same without waiting: -EAGAIN when the descriptors are not free. */
int virtq_add_nowait(struct virtq *vq, const struct vq_buf *bufs, int nout, int nin, void *cookie);
/* Notifies the device, unless it said it needs no notification. */
void virtq_kick(struct virtq *vq);
/* Used-buffer interrupts off while draining; on again: true if more came. */
void virtq_irq_off(struct virtq *vq);
bool virtq_irq_on(struct virtq *vq);
/* Next completed request's cookie, or NULL; *len: bytes the device wrote. */
void *virtq_get(struct virtq *vq, uint32_t *len);
/* Descriptors needed for a buffer (one per physically contiguous run). */
int virtq_segments(const void *addr, size_t len);

/* Transports call this for each device found; drivers register by id. */
void virtio_device_found(struct virtio_dev *vd);
void virtio_mmio_probe(char **devices, int n);
void virtio_pci_probe(void);

void virtio_blk_attach(struct virtio_dev *vd);
void virtio_net_attach(struct virtio_dev *vd);

#endif

/* Security identifier domains (for FUIDs): kept as plain names. */
#ifndef OSPREY_SPL_SYS_SID_H
#define OSPREY_SPL_SYS_SID_H
#include <sys/types.h>
#include <sys/kmem.h>
#include <string.h>

typedef struct ksiddomain {
	char *kd_name;
} ksiddomain_t;

typedef enum ksid_index { KSID_USER, KSID_GROUP, KSID_OWNER, KSID_COUNT } ksid_index_t;
typedef int ksid_t;

static inline ksiddomain_t *ksid_lookupdomain(const char *dom)
{
	size_t len = strlen(dom) + 1;
	ksiddomain_t *kd = kmem_zalloc(sizeof (*kd), KM_SLEEP);

	if (kd == NULL)
		return NULL;
	kd->kd_name = kmem_alloc(len, KM_SLEEP);
	if (kd->kd_name == NULL) {
		kmem_free(kd, sizeof (*kd));
		return NULL;
	}
	memcpy(kd->kd_name, dom, len);
	return kd;
}

static inline void ksiddomain_rele(ksiddomain_t *kd)
{
	kmem_free(kd->kd_name, strlen(kd->kd_name) + 1);
	kmem_free(kd, sizeof (*kd));
}

#endif

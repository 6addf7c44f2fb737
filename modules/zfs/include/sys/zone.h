/* Zones: Osprey has one, the global zone. */
#ifndef OSPREY_SPL_SYS_ZONE_H
#define OSPREY_SPL_SYS_ZONE_H
#include <sys/types.h>

#define GLOBAL_ZONEID		0
#define getzoneid()		GLOBAL_ZONEID
#define INGLOBALZONE(z)		1
#define crgetzoneid(cr)		0

/* Every dataset is visible, and writable, in the one zone. */
static inline int
zone_dataset_visible(const char *dataset, int *writable)
{
	if (writable != NULL)
		*writable = 1;
	return (1);
}

#endif

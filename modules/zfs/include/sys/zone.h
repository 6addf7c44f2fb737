/* Zones: Osprey has one, the global zone. */
#ifndef OSPREY_SPL_SYS_ZONE_H
#define OSPREY_SPL_SYS_ZONE_H
#include <sys/types.h>

#define GLOBAL_ZONEID		0
#define getzoneid()		GLOBAL_ZONEID
#define INGLOBALZONE(z)		1
#define crgetzoneid(cr)		0
#define zone_dataset_visible(ds, w)	(((w) ? (*(int *)(w) = 1) : 0), 1)

#endif

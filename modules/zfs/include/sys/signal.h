/* Signals: kernel threads in Osprey take none. */
#ifndef OSPREY_SPL_SYS_SIGNAL_H
#define OSPREY_SPL_SYS_SIGNAL_H
#include <sys/types.h>

typedef struct siginfo { int si_signo, si_errno, si_code; } siginfo_t;
#define signal_pending(t)	0
#define issig(why)		0
#define fatal_signal_pending(t)	0

#endif

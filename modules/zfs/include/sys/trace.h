/* Static trace points: Osprey has no tracing framework, so the probes
 * compile to nothing (their arguments are not evaluated). */
#ifndef OSPREY_SPL_SYS_TRACE_H
#define OSPREY_SPL_SYS_TRACE_H

#define DTRACE_PROBE(a)				((void)0)
#define DTRACE_PROBE1(a, b, c)			((void)0)
#define DTRACE_PROBE2(a, b, c, d, e)		((void)0)
#define DTRACE_PROBE3(a, b, c, d, e, f, g)	((void)0)
#define DTRACE_PROBE4(a, b, c, d, e, f, g, h, i) ((void)0)

#endif

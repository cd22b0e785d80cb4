/* How many threads a parallel step should use (cpus.c). */
#ifndef CT_CPUS_H
#define CT_CPUS_H

/* The processors this process may run on (its CPU affinity, as taskset and container cpusets
 * set it, else the online count), at least 1 and at most max. */
unsigned ct__cpu_count(unsigned max);

#endif

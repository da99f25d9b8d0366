/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Values from the command line, parsed one way for every command: numbers, durations,
 * sizes, and lists of PIDs or CPUs. Each returns 0 or -EINVAL (-ENOMEM for lists);
 * the caller names the option in its message.
 */
#ifndef KSCOPE_BASE_PARSE_H
#define KSCOPE_BASE_PARSE_H

#include <stdint.h>

/* Decimal, 0x hex or 0 octal; no sign, nothing after the number. */
int ks_parse_u64(const char *s, uint64_t *v);
int ks_parse_int(const char *s, int *v);
/* An int in [@min, @max]. */
int ks_parse_int_range(const char *s, int min, int max, int *v);
/* Seconds: "10", "2.5", "500ms", "20us", "3s", "1m". Never negative. */
int ks_parse_duration(const char *s, double *secs);

/*
 * "1,2,3": each an int in [@min, @max], appended to the malloc'd array at *@v
 * (which may be NULL) holding *@n; repeated options add up.
 */
int ks_parse_int_list(const char *s, int min, int max, int **v, int *n);
/*
 * A CPU list as the kernel writes one ("0,2-3,5"): CPUs below @ncpus, each once, in
 * the order given, appended like ks_parse_int_list.
 */
int ks_parse_cpu_list(const char *s, int ncpus, int **v, int *n);

#endif

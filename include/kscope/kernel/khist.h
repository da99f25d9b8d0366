/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's hist triggers (CONFIG_HIST_TRIGGERS): an event aggregated in the kernel
 * into a table of keys and sums, so that no record of it crosses to user space; here,
 * the text of an event's "hist" file parsed back into entries.
 */
#ifndef KSCOPE_KERNEL_KHIST_H
#define KSCOPE_KERNEL_KHIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KS_KHIST_MAX_KEYS 8
#define KS_KHIST_MAX_VALS 8

/* One key of an entry as the kernel printed it ("prev_comm: bash", "id: sys_read [ 0]"). */
struct ks_khist_key {
	const char *name;		/* the field ("id", "cpu"), NUL-terminated */
	const char *text;		/* the value, trimmed, NUL-terminated */
	uint64_t num;			/* a number; .syscall and .execname: the one in [] */
	bool has_num;
};

struct ks_khist_entry {
	struct ks_khist_key key[KS_KHIST_MAX_KEYS];
	int nkeys;
	uint64_t val[KS_KHIST_MAX_VALS];	/* hitcount first, then the vals= sums */
	int nvals;
};

struct ks_khist_totals {
	uint64_t hits, entries, dropped;
};

typedef int (*ks_khist_fn)(void *arg, const struct ks_khist_entry *e);

/*
 * Parse the text of a hist file (modified in place), calling @fn for each entry; the
 * totals at its end into @tot. -EBADMSG for a line that is not the kernel's layout, or
 * @fn's error.
 */
int ks_khist_parse(char *text, ks_khist_fn fn, void *arg, struct ks_khist_totals *tot);

#endif

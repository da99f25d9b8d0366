/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DWARF unwinding of user stacks sampled by perf (PERF_SAMPLE_REGS_USER +
 * PERF_SAMPLE_STACK_USER) with libdwfl, for binaries built without frame pointers.
 * Works after the fact, from what a recording stored: the registers, a copy of the
 * stack from the sampled SP upwards, and the process's mappings at that time. CFI
 * comes from the mapped ELF files (.eh_frame, .debug_frame, or separate debuginfo
 * found by build-id / .gnu_debuglink under <symfs>/usr/lib/debug).
 */
#ifndef KSCOPE_PROFILE_UNWIND_H
#define KSCOPE_PROFILE_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include "kscope/base/util.h"

struct ks_unwind;

/*
 * The PERF_SAMPLE_REGS_USER mask to record for @machine (uname -m: "x86_64",
 * "aarch64"); 0 if kscope cannot unwind that architecture.
 */
uint64_t ks_unwind_regs_mask(const char *machine);

int ks_unwind_new(struct ks_unwind **out, const char *symfs, struct ks_err *err);
void ks_unwind_free(struct ks_unwind *u);

struct ks_unwind_map {
	uint64_t start, end, pgoff;
	const char *path;		/* as in /proc/PID/maps */
	const uint8_t *build_id;	/* NULL if unknown */
	size_t build_id_len;
};

struct ks_unwind_input {
	const char *machine;		/* the recording's uname -m */
	int pid;			/* the address space ... */
	uint64_t maps_gen;		/* ... and its mappings' version: equal values, equal maps */
	const struct ks_unwind_map *maps;	/* sorted by start, not overlapping */
	size_t nmaps;
	uint64_t regs_mask;		/* as recorded; regs[] holds one value per set bit */
	const uint64_t *regs;
	const uint8_t *stack;		/* the stack copy, from the sampled SP up */
	size_t stack_len;
};

/*
 * Unwind one sample: @ips receives the frames leaf first (ips[0] is the sampled
 * IP, the rest return addresses as found on the stack). Returns the number of
 * frames (>= 1), or -errno (-EINVAL for missing IP/SP registers). Stops quietly at
 * the end of the stack copy or where no CFI is found.
 */
int ks_unwind_user(struct ks_unwind *u, const struct ks_unwind_input *in, uint64_t *ips,
		   int max);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resolved profile samples: what a recording's samples become once mappings,
 * symbols and (for DWARF call graphs) unwinding are applied. Writers (folded, SVG,
 * pprof, speedscope, the top table) consume these. Every pointer in a sample stays
 * valid, and equal things have equal pointers (one ks_prof_map per mapping, one
 * ks_sym_line array per resolved address), until the profile reader is closed.
 */
#ifndef KSCOPE_PROF_H
#define KSCOPE_PROF_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/symbols.h"
#include "kscope/util.h"

/* A mapped binary: a user ELF file, the kernel, or a kernel module. */
struct ks_prof_map {
	uint64_t start, end, pgoff;	/* the kernel: its lowest and highest symbol */
	const char *path;		/* as mapped; "[kernel.kallsyms]" or "[module]" */
	const char *build_id;		/* lowercase hex, "" if unknown */
	unsigned int id;		/* 1, 2, ...: unique within the profile */
	bool kernel;
};

/* One frame's address. */
struct ks_prof_loc {
	uint64_t addr;			/* as sampled: the leaf's IP, callers' return addresses */
	const struct ks_prof_map *map;	/* NULL: no mapping covered addr */
	struct ks_sym sym;		/* sym.nlines == 0: no symbol */
	bool kernel;
};

struct ks_prof_sample {
	int pid, tid, cpu;
	const char *comm;		/* the thread's name at the time, never NULL */
	uint64_t time;			/* ns, on the recording's trace clock */
	uint64_t weight;		/* ns of CPU (on-CPU) or ns blocked (off-CPU) */
	unsigned int event;		/* index into the profile's events */
	bool offcpu;			/* a blocked stack, weighted by time off CPU */
	unsigned int nlocs;
	const struct ks_prof_loc *locs;	/* leaf first */
};

#endif

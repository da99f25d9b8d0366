/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resolved profile samples: what a recording's samples become once mappings,
 * symbols and (for DWARF call graphs) unwinding are applied. Writers (folded, SVG,
 * pprof, speedscope, the top table) consume these. Every pointer in a sample stays
 * valid, and equal things have equal pointers (one ks_prof_map per mapping, one
 * ks_sym_line array per resolved address), until the profile reader is closed.
 */
#ifndef KSCOPE_PROFILE_PROF_H
#define KSCOPE_PROFILE_PROF_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/symbols/symbols.h"
#include "kscope/base/util.h"

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
	char state;			/* off-CPU: how it blocked: 'S', 'D', 'R' (preempted), ... */
	bool unfinished;		/* off-CPU: still blocked when the recording ended */
	const void *raw;		/* a tracepoint's sample: its record (NULL otherwise) */
	unsigned int raw_size;
	unsigned int nlocs;
	const struct ks_prof_loc *locs;	/* leaf first */
	/*
	 * Samples with the same stack id have the same locs, which then stay valid until
	 * the reader is closed; KS_PROF_NO_STACK: a stack of its own (valid until the
	 * next sample).
	 */
	uint32_t stack_id;
};

#define KS_PROF_NO_STACK UINT32_MAX

/* --- reading a recording (kscope profile's trace.dat) --- */

struct ks_prof;

struct ks_prof_opts {
	const char *symfs;		/* root of the binaries and debuginfo; NULL: "/" */
	bool no_lines;			/* function names only, no DWARF lines or inlines */
	bool no_demangle;		/* C++ names left mangled */
	const char *states;		/* off-CPU: keep only these states ("SD"); NULL: all */
};

#define KS_PROF_MAX_EVENTS 16

/* The recording's settings (its KSCOPE_PROFILE option). */
struct ks_prof_info {
	const char *machine;		/* uname -m of the recording machine */
	const char *clock;		/* trace clock of the timestamps */
	const char *callgraph;		/* "fp", "dwarf" or "none" */
	const char *target;		/* "command", "pids" or "system" */
	const char *command;		/* "" unless target is a command */
	uint64_t freq, period;		/* one of them is 0 */
	uint64_t start_ns, duration_ns;
	uint64_t start_epoch_ns;	/* wall clock when it started, 0 if unknown */
	int nevents;
	const char *event[KS_PROF_MAX_EVENTS];
	bool event_clock[KS_PROF_MAX_EVENTS];	/* periods are nanoseconds */
	int offcpu_event;		/* index of the off-CPU event, or -1 */
};

struct ks_prof_stats {
	uint64_t samples;		/* on-CPU samples handed out */
	uint64_t offcpu;		/* off-CPU intervals handed out */
	uint64_t offcpu_filtered;	/* left out by opts.states */
	uint64_t lost;			/* records and samples the kernel lost while recording */
	uint64_t frames, unresolved;	/* frames, and those without a symbol */
	uint64_t unwind_failed;		/* DWARF samples whose unwinding found no caller */
	uint64_t bad;			/* malformed records skipped */
};

/*
 * Open a profile. -EINVAL with a message for a file that is not a trace.dat or has
 * no kscope samples.
 */
int ks_prof_open(const char *path, const struct ks_prof_opts *o, struct ks_prof **out,
		 struct ks_err *err);
/* From memory (the fuzzer); @data must outlive the handle. */
int ks_prof_open_mem(const void *data, size_t size, const struct ks_prof_opts *o,
		     struct ks_prof **out, struct ks_err *err);
const struct ks_prof_info *ks_prof_info(const struct ks_prof *p);
/* The recording's event formats: what the raw records of tracepoint samples are. */
struct tep_handle *ks_prof_tep(struct ks_prof *p);
/* The process thread @tid belongs to, as read so far; -1 if unknown. */
int ks_prof_tgid(struct ks_prof *p, int tid);
/* The process that forked process @pid while recording, as read so far; -1 if unknown. */
int ks_prof_parent(struct ks_prof *p, int pid);
const struct ks_prof_stats *ks_prof_stats(const struct ks_prof *p);
/*
 * The next sample in time order (off-CPU ones when their thread runs again): 1 and
 * @s filled, 0 at the end, -errno if the file is corrupted there. @s->locs is valid
 * until the next call; the maps and symbols it points to until ks_prof_close.
 */
int ks_prof_next(struct ks_prof *p, struct ks_prof_sample *s);
/* Bytes read so far and in all, for progress. */
void ks_prof_progress(struct ks_prof *p, uint64_t *done, uint64_t *total);
/* The i-th binary that gave no symbols, and why; -ENOENT past the last. */
int ks_prof_missing(struct ks_prof *p, unsigned int i, const char **path, const char **why);
void ks_prof_close(struct ks_prof *p);

#endif

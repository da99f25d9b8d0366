/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A profiling session: perf_event samples of call stacks (on-CPU with a clock or a
 * counter, off-CPU by sampling sched:sched_switch) of a command, of processes or of
 * every CPU, read from the rings as they fill and written to a trace.dat with the
 * mappings, build-ids, comms and kallsyms that symbolize them later. kscope profile
 * is this plus its command line; the off-CPU analyses record through it too.
 */
#ifndef KSCOPE_PROFILE_PROFSESS_H
#define KSCOPE_PROFILE_PROFSESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/base/util.h"
#include "kscope/kernel/perf.h"
#include "kscope/kernel/run.h"
#include "kscope/profile/profrec.h"

#define KS_PROFSESS_MAX_EVENTS 8
#define KS_PROFSESS_OFFCPU_EVENT "sched:sched_switch"

struct ks_profsess_opts {
	const char *const *events;	/* what to sample; none: cycles, unless only off-CPU */
	int nevents;
	uint64_t freq, count;		/* one of them is 0 */
	enum ks_perf_callgraph cg;
	uint32_t stack_size;		/* DWARF: bytes of user stack copied */
	bool offcpu;			/* sample sched_switch too: blocked stacks */
	bool all_cpus;			/* every process on the CPUs */
	const int *pids;		/* these processes (and their threads); with all_cpus, only
					   when to stop: when they have all exited */
	int npids;
	const char *cpu_list;		/* NULL: every online CPU */
	double duration;		/* seconds; 0: until the command, the pids or a signal */
	unsigned int mmap_pages;	/* per ring */
	const char *output;		/* the trace.dat, written by ks_profsess_write */
	char **cmd;			/* run and profile this; NULL: none */
};

struct ks_profsess;

/*
 * Everything up to sampling: CPUs, threads, events, the output file (created now,
 * linked in by ks_profsess_write), the command (started stopped), the rings. @err must
 * outlive the session: a command that cannot be run says so there while it runs.
 */
int ks_profsess_new(struct ks_profsess **out, const struct ks_profsess_opts *o,
		    struct ks_err *err);
/* What the session chose for the user: cpu-clock for cycles (no PMU), user space only. */
bool ks_profsess_cycles_fallback(const struct ks_profsess *s);
bool ks_profsess_user_only(const struct ks_profsess *s);

/* Called about every @tick_ms while sampling (a status line). */
typedef void (*ks_profsess_tick_fn)(void *arg, struct ks_profsess *s);

/*
 * Sample until the command or the processes end, --duration passes or a signal comes.
 * 0 also when the command could not be run (ks_run_exec_failed tells).
 */
int ks_profsess_run(struct ks_profsess *s, int tick_ms, ks_profsess_tick_fn tick, void *arg);
/* Write the trace.dat and link it in at its name. */
int ks_profsess_write(struct ks_profsess *s);

const struct ks_profrec_stats *ks_profsess_stats(const struct ks_profsess *s);
/* The command's run: its exit status, how the session stopped. */
struct ks_run *ks_profsess_run_state(struct ks_profsess *s);
/* Seconds sampled so far, or in all once stopped. */
double ks_profsess_elapsed(const struct ks_profsess *s);
const struct ks_perf_evspec *ks_profsess_events(const struct ks_profsess *s, int *n);
/* Stop, drop the output unless written, and free. */
void ks_profsess_free(struct ks_profsess *s);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which samples of a profile count, how much each weighs, and samples of equal
 * stacks added up before anything is written: what every reader of profiles (flame,
 * report --profile, pprof and speedscope output) does alike.
 */
#ifndef KSCOPE_PROFILE_PROFAGG_H
#define KSCOPE_PROFILE_PROFAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kscope/profile/prof.h"

/* --- which samples --- */

struct ks_prof_filter {
	const int *pids;		/* only these processes (none: all) */
	int npids;
	const char *const *comms;	/* only threads whose name matches one of these globs */
	int ncomms;
	bool on_cpu, off_cpu;		/* only on-CPU, or only off-CPU samples */
};

bool ks_prof_filter_test(const struct ks_prof_filter *f, const struct ks_prof_sample *s);

/* --- how much each weighs --- */

/*
 * The weight a sample adds to a stack. Counting samples (@in_us false): 1 each. In
 * microseconds (@in_us: a profile with off-CPU stacks, where blocked time must add
 * up with running time): off-CPU stacks and clock events their nanoseconds, other
 * on-CPU samples one sampling interval (1 s / frequency), or their period.
 */
uint64_t ks_prof_weight(const struct ks_prof_info *in, const struct ks_prof_sample *s,
			bool in_us);
/* Whether weights are microseconds by default: the profile has off-CPU stacks. */
bool ks_prof_weighs_time(const struct ks_prof_info *in);

/* --- equal stacks added up --- */

/*
 * Samples with the same stack (the reader's stack id), thread name, off-CPU state
 * and, with @by_pid, process become one entry with their weights summed: a writer
 * then handles each distinct stack once, not each sample. Stack ids are dense, so
 * each has a short chain of entries (nearly always one) and nothing is hashed. The
 * entries' locations stay valid until the profile reader is closed.
 */
struct ks_profagg;

struct ks_profagg *ks_profagg_new(bool by_pid);
void ks_profagg_free(struct ks_profagg *g);
/*
 * Add @s (its stack_id must not be KS_PROF_NO_STACK: such a sample is handled alone)
 * with weight @w. -ENOMEM.
 */
int ks_profagg_add(struct ks_profagg *g, const struct ks_prof_sample *s, uint64_t w);
/* Entries in the order they first appeared; @cb returns 0 to go on, or an error to stop. */
int ks_profagg_for_each(const struct ks_profagg *g,
			int (*cb)(void *arg, const struct ks_prof_sample *s, uint64_t w), void *arg);
size_t ks_profagg_count(const struct ks_profagg *g);

#endif

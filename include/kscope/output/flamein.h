/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What kscope flame draws from: a kscope profile (symbolized now) or folded stacks
 * ("a;b;c 12", as stackcollapse-*.pl writes them), told apart by their first bytes.
 * A profile's samples are filtered, weighted (samples, or microseconds when it has
 * off-CPU stacks) and added up per distinct stack, then go into a stack profile (for
 * SVG and folded output) or straight into a pprof or speedscope writer.
 */
#ifndef KSCOPE_OUTPUT_FLAMEIN_H
#define KSCOPE_OUTPUT_FLAMEIN_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/base/util.h"
#include "kscope/output/pprof.h"
#include "kscope/output/speedscope.h"
#include "kscope/profile/prof.h"
#include "kscope/profile/profagg.h"
#include "kscope/profile/stacks.h"

/* Binaries without symbols named one by one to opts.missing; the rest are counted. */
#define KS_FLAMEIN_MISSING_SHOWN 8

struct ks_flamein_opts {
	struct ks_prof_opts prof;	/* symfs, DWARF lines, demangling, off-CPU states */
	struct ks_prof_filter filter;	/* which samples */
	unsigned int fold_flags;	/* KS_PROFFOLD_*: how frames are named (stacks) */
	unsigned int frames;		/* KS_STACKS_KERNEL_ONLY or _USER_ONLY (pprof, speedscope) */
	/* Called now and then while a large profile is read (NULL: never). */
	void (*progress)(void *arg, const char *name, uint64_t done, uint64_t total);
	/* Called for the first KS_FLAMEIN_MISSING_SHOWN binaries that gave no symbols. */
	void (*missing)(void *arg, const char *name, const char *path, const char *why);
	void *arg;
};

/* What was read. */
struct ks_flamein_info {
	bool profile;			/* a kscope profile, not folded text */
	bool in_us;			/* stack weights are microseconds, else samples */
	uint64_t samples;		/* samples that passed the filter */
	uint64_t lost;			/* samples the kernel lost while recording */
	unsigned int missing;		/* binaries without symbols */
};

/* "standard input" for NULL or "-", else @path: how messages name an input. */
const char *ks_flamein_name(const char *path);

/*
 * Add the stacks of @path (NULL or "-": standard input) to @s. Bad input (unreadable,
 * malformed, no samples left after the filters) is -EINVAL or -ENOENT with a message
 * naming the input; -ENOMEM.
 */
int ks_flamein_stacks(const struct ks_flamein_opts *o, const char *path, struct ks_stacks *s,
		      struct ks_flamein_info *info, struct ks_err *err);
/*
 * A profile's samples into a new pprof writer, whose sample type says what the weights
 * measure (cpu or off_cpu nanoseconds, wall time for both, or event counts).
 */
int ks_flamein_pprof(const struct ks_flamein_opts *o, const char *path, struct ks_pprof **out,
		     struct ks_flamein_info *info, struct ks_err *err);
/* The same into a new speedscope writer; @title: the name speedscope shows (NULL: @path). */
int ks_flamein_speedscope(const struct ks_flamein_opts *o, const char *path, const char *title,
			  struct ks_speedscope **out, struct ks_flamein_info *info,
			  struct ks_err *err);

/*
 * What --kernel-only/--user-only, --reverse (@flags, KS_STACKS_*) and --diff make of
 * the stacks read from @cur_path: *@cur is replaced by the result; *@base (NULL: no
 * --diff), read from @base_path, is the profile before, scaled to @cur's total first
 * with @normalize (and replaced by its filtered form).
 */
int ks_flamein_prepare(struct ks_stacks **cur, const char *cur_path, struct ks_stacks **base,
		       const char *base_path, unsigned int flags, bool normalize,
		       struct ks_err *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory stack profile: a trie of frames, root first, each node with the
 * weight (samples, microseconds, ...) of the stacks that pass through it (total)
 * and of those that end in it (self).
 *
 * Every node also carries a second, "base" weight, used by differential profiles:
 * the first profile's weights (difffolded.pl's first count) next to the second's.
 * Stacks added with one weight get it in both, so a plain profile is a differential
 * one with no change. Frames named "..._[k]" are kernel frames (the convention of
 * stackcollapse-perf.pl --kernel and flamegraph.pl).
 */
#ifndef KSCOPE_PROFILE_STACKS_H
#define KSCOPE_PROFILE_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "kscope/base/util.h"

struct ks_stacks;

struct ks_stacks *ks_stacks_new(void);
void ks_stacks_free(struct ks_stacks *s);

/*
 * Add one stack of @n frames, @frames[0] the outermost (root side), with @weight;
 * a NULL frame counts as "". The profiler calls this. -EINVAL for n == 0,
 * -EOVERFLOW if the profile's total would no longer fit in 64 bits, -ENOMEM.
 */
int ks_stacks_add(struct ks_stacks *s, const char *const *frames, size_t n, uint64_t weight,
		  struct ks_err *err);
/* The same with a base weight for differential profiles (sets ks_stacks_is_diff). */
int ks_stacks_add_diff(struct ks_stacks *s, const char *const *frames, size_t n,
		       uint64_t base, uint64_t weight, struct ks_err *err);

/*
 * Folded text, one stack a line: "frame;frame;frame COUNT", as stackcollapse-*.pl
 * and `kscope flame --format folded` write it. A line with two counts,
 * "stack COUNT1 COUNT2" (difffolded.pl), adds COUNT1 as the base weight and COUNT2
 * as the weight. Blank lines are skipped. A malformed line is counted in @rep and
 * skipped, never fatal: the caller decides. The text need not be NUL-terminated.
 * Returns 0, or -ENOMEM.
 */
struct ks_folded_report {
	uint64_t lines;			/* lines that were not blank */
	uint64_t stacks;		/* lines added */
	uint64_t bad;			/* lines skipped as malformed */
	uint64_t first_bad;		/* line number (from 1) of the first, 0 if none */
	char why[96];			/* what was wrong with it */
};

int ks_stacks_parse_folded(struct ks_stacks *s, const char *text, size_t len,
			   struct ks_folded_report *rep, struct ks_err *err);

/* Weights of one node. */
struct ks_stacks_weight {
	uint64_t total, self;
	uint64_t base_total, base_self;
};

/* The weights of the stack @frames (root first); -ENOENT, weights all zero, if absent. */
int ks_stacks_lookup(const struct ks_stacks *s, const char *const *frames, size_t n,
		     struct ks_stacks_weight *w);
uint64_t ks_stacks_total(const struct ks_stacks *s);
uint64_t ks_stacks_base_total(const struct ks_stacks *s);
/* Nodes in the trie, not counting the root. */
size_t ks_stacks_count(const struct ks_stacks *s);
/* Whether it is differential: made by ks_stacks_diff, add_diff or two-count lines. */
int ks_stacks_is_diff(const struct ks_stacks *s);

/* Whether @name is a kernel frame: it ends in "_[k]". */
int ks_stacks_frame_is_kernel(const char *name);

/*
 * A new profile with every stack rewritten:
 *   KS_STACKS_KERNEL_ONLY  keep only the kernel frames ("_[k]") of each stack,
 *   KS_STACKS_USER_ONLY    keep only the other frames,
 *   KS_STACKS_REVERSE      reverse each stack (leaf first; after the filters).
 * Stacks left without frames are dropped, so the total may shrink.
 */
enum {
	KS_STACKS_KERNEL_ONLY	= 1 << 0,
	KS_STACKS_USER_ONLY	= 1 << 1,
	KS_STACKS_REVERSE	= 1 << 2,
};

int ks_stacks_transform(const struct ks_stacks *in, unsigned int flags,
			struct ks_stacks **out, struct ks_err *err);

/*
 * Differential profile, as difffolded.pl + flamegraph.pl: every stack of both
 * profiles, with @base's weight as the base and @cur's as the weight (so widths
 * come from @cur). With @normalize, @base's weights are scaled by
 * total(cur) / total(base) first (rounded down per stack, like difffolded.pl -n).
 */
int ks_stacks_diff(const struct ks_stacks *base, const struct ks_stacks *cur, int normalize,
		   struct ks_stacks **out, struct ks_err *err);

/*
 * Folded text to @fd, one line per stack that has a weight of its own, lines sorted
 * byte-wise by stack like stackcollapse-*.pl ("LC_ALL=C sort"). A differential
 * profile writes "stack BASE WEIGHT" (difffolded.pl's output, flamegraph.pl's
 * input). ';' in a frame name becomes ':', line breaks become spaces.
 */
int ks_stacks_write_folded(const struct ks_stacks *s, int fd, struct ks_err *err);

/*
 * Depth-first walk of the trie, children in byte-wise name order (flamegraph.pl's
 * alphabetical order per level). @cb gets each frame (not the root) with its depth
 * (1 for the outermost frame) and its offset: the weight of everything left of it,
 * so a frame spans [offset, offset + total) like flamegraph.pl's x axis.
 * @cb returns 0 to go on, 1 to skip the frame's children, < 0 to stop the walk
 * with that value. Iterative: any depth is fine.
 */
struct ks_stacks_frame {
	const char *name;
	unsigned int depth;
	uint64_t offset;
	struct ks_stacks_weight w;
};

int ks_stacks_walk(const struct ks_stacks *s,
		   int (*cb)(const struct ks_stacks_frame *f, void *arg), void *arg);

#endif

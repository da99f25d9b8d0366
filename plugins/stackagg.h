/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Call stacks summed per key, for offcputime, wakeuptime and offwaketime: a key is up
 * to two tasks (name and thread id) and up to four frame sequences (a task's kernel
 * and user frames, leaf first), compared by address, as bcc's stack ids are; the
 * frames are copied, so a key outlives the sample it came from. And the frames' names
 * as those tools print them: the function (not inlined ones), optionally +0xoffset or
 * with the address in front.
 */
#ifndef KSCOPE_PLUGINS_STACKAGG_H
#define KSCOPE_PLUGINS_STACKAGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kscope/analysis/analysis.h"
#include "kscope/output/profout.h"
#include "kscope/profile/prof.h"

#define STACK_TASKS 2
#define STACK_PARTS 4
#define STACK_MAX_FRAMES 256		/* more than perf's default of 127 */

struct stack_key {
	const char *comm[STACK_TASKS];	/* NULL: unused (names live as long as the reader) */
	int tid[STACK_TASKS];
	const struct ks_prof_loc *part[STACK_PARTS];
	unsigned int n[STACK_PARTS];
};

struct stack_entry {
	struct stack_key key;		/* part[] point into locs */
	struct ks_prof_loc *locs;
	uint64_t total;
};

struct stackagg {
	struct ks_map *entries;		/* bounded by --max-entries */
};

int stackagg_init(struct stackagg *g, struct ks_analysis *a, struct ks_err *err);
/* Add @v to the entry of @k (made if new). -ENOMEM, or -ENOSPC when the map is full. */
int stackagg_add(struct stackagg *g, const struct stack_key *k, uint64_t v);
/* The entries, the smallest total first (as bcc prints them); free() the array. */
struct stack_entry **stackagg_sorted(struct stackagg *g, size_t *n);
void stackagg_free(struct stackagg *g);

/* Split @s's frames into the kernel's (leaf first, they come first) and the user's. */
void stack_split(const struct ks_prof_sample *s, const struct ks_prof_loc **kernel,
		 unsigned int *nk, const struct ks_prof_loc **user, unsigned int *nu);

/* The options the stack tools share, under bcc's letters. */
struct stack_opts {
	int tid;			/* -t: only this thread blocked */
	bool user_threads, kernel_threads;	/* -u, -k */
	bool user_stacks, kernel_stacks;	/* -U, -K: show only these frames */
	bool delimited, folded;		/* -d, -f */
	uint64_t min_us, max_us;	/* -m, -M */
};

/* 0 if @key is one of them (set from @arg), 1 if it is not, -EINVAL for a bad value. */
int stack_opts_parse(struct stack_opts *o, int key, const char *arg, struct ks_err *err);
/*
 * After the options: the defaults, and what excludes what (-p counts with -t, -u, -k);
 * @exclusive names the plugin's own ("-p and -u") for the message.
 */
int stack_opts_check(struct stack_opts *o, struct ks_analysis *a, const char *exclusive,
		     struct ks_err *err);
/*
 * Whether a block of @us microseconds of @s's thread, with @nuser user frames, counts:
 * -t, -u, -k (a thread without user frames is a kernel thread), -m, -M.
 */
bool stack_opts_wanted(const struct stack_opts *o, const struct ks_prof_sample *s,
		       unsigned int nuser, uint64_t us);
/* -U, -K: the frames of @k (parts 0 and 2 kernel, 1 and 3 user) not shown are not kept. */
void stack_opts_trim(const struct stack_opts *o, struct stack_key *k);

struct stack_names {
	bool offsets;			/* name+0x1f */
	bool addresses;			/* "ffffffff810df082 name" */
	char (*buf)[KS_PROFOUT_NAME_MAX];
	const char **v;
	unsigned int n;
};

int stack_names_init(struct stack_names *f);
void stack_names_free(struct stack_names *f);
/* Start a new stack's names. */
void stack_names_reset(struct stack_names *f);
/* Name @n frames of @l (in their order, or reversed: root first), kept until the reset. */
const char *const *stack_names(struct stack_names *f, const struct ks_prof_loc *l,
			       unsigned int n, bool reverse, unsigned int *count);

/*
 * Print every entry, the smallest total first, in @layout: the key's task 0 is the
 * thread that blocked, task 1 its waker; parts 0 and 1 the blocked thread's kernel
 * and user frames (KS_STACK_WAKER: parts 0 and 1 the waker's), parts 2 and 3 the
 * waker's.
 */
void stackagg_print(struct ks_analysis *a, struct stackagg *g, struct stack_names *nm,
		    enum ks_stack_layout layout, const struct stack_opts *o);

#endif

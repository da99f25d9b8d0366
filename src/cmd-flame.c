// SPDX-License-Identifier: GPL-2.0-only
/* kscope flame: a flame graph (SVG) or folded stacks from a stack profile. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/cmds.h"
#include "kscope/output/flamegraph.h"
#include "kscope/base/opts.h"
#include "kscope/output/pprof.h"
#include "kscope/profile/prof.h"
#include "kscope/output/proffold.h"
#include "kscope/output/profout.h"
#include "kscope/output/speedscope.h"
#include "kscope/profile/stacks.h"
#include "kscope/base/util.h"

enum {
	OPT_FORMAT = 256,
	OPT_TITLE,
	OPT_SUBTITLE,
	OPT_REVERSE,
	OPT_INVERTED,
	OPT_MINWIDTH,
	OPT_COLORS,
	OPT_KERNEL_ONLY,
	OPT_USER_ONLY,
	OPT_DIFF,
	OPT_NORMALIZE,
	OPT_PID,
	OPT_COMM,
	OPT_SYMFS,
	OPT_STATE,
	OPT_ON_CPU,
	OPT_OFF_CPU,
	OPT_PER_PID,
	OPT_SRCLINE,
	OPT_INLINE,
	OPT_NO_DEMANGLE,
};

enum flame_format { FMT_SVG, FMT_FOLDED, FMT_PPROF, FMT_SPEEDSCOPE };

static const struct ks_opt flame_opts[] = {
	{ 'i', "input", "FILE", "a kscope profile, or folded stacks (default, or '-': "
	  "standard input)" },
	{ 'o', "output", "FILE", "write to FILE (default, or '-': standard output)" },
	{ OPT_FORMAT, "format", "FORMAT", "svg (default), folded, pprof (gzipped profile.proto) "
	  "or speedscope (JSON); the last two need a profile" },
	{ OPT_TITLE, "title", "TEXT", "the graph's title (default: Flame Graph)" },
	{ OPT_SUBTITLE, "subtitle", "TEXT", "a second line under the title" },
	{ OPT_REVERSE, "reverse", NULL, "reverse every stack: leaf functions at the root" },
	{ OPT_INVERTED, "inverted", NULL, "icicle graph: the root at the top, stacks grow down" },
	{ OPT_MINWIDTH, "minwidth", "PX|N%", "leave out frames under PX pixels (0.1) or N%" },
	{ OPT_COLORS, "colors", "PALETTE", "hot (default), mem, io, wakeup or chain" },
	{ OPT_KERNEL_ONLY, "kernel-only", NULL, "keep only kernel frames (names ending in _[k])" },
	{ OPT_USER_ONLY, "user-only", NULL, "keep only the frames that are not kernel frames" },
	{ OPT_DIFF, "diff", "BASE", "differential graph: how the input changed from BASE" },
	{ OPT_NORMALIZE, "normalize", NULL, "with --diff: scale BASE to the input's total first" },
	{ OPT_PID, "pid", "PID", "profiles: only this process; repeat for more" },
	{ OPT_COMM, "comm", "GLOB", "profiles: only threads whose name matches; repeat for more" },
	{ OPT_ON_CPU, "on-cpu", NULL, "profiles: only on-CPU samples (default: all there are)" },
	{ OPT_OFF_CPU, "off-cpu", NULL, "profiles: only off-CPU stacks (weights in microseconds)" },
	{ OPT_STATE, "state", "LETTERS", "off-CPU: only threads blocked in these states, e.g. "
	  "D or SD (S sleeping, D uninterruptible, R preempted, I idle)" },
	{ OPT_SYMFS, "symfs", "DIR", "profiles: look for binaries and debuginfo under DIR (a "
	  "board's root filesystem)" },
	{ OPT_PER_PID, "per-pid", NULL, "profiles: root frames 'comm-PID' instead of 'comm'" },
	{ OPT_SRCLINE, "srcline", NULL, "profiles: frames named 'func (file.c:LINE)'" },
	{ OPT_INLINE, "inline", NULL, "profiles: inlined functions as frames of their own "
	  "(reads DWARF: slower on big binaries)" },
	{ OPT_NO_DEMANGLE, "no-demangle", NULL, "profiles: C++ names as the symbol table has "
	  "them (_ZN...)" },
	{ 0 },
};

static const struct ks_cmd_help flame_help = {
	.name = "flame",
	.usage = "[-i FILE] [-o FILE] [--format svg|folded|pprof|speedscope] [options]",
	.summary = "Draw an interactive SVG flame graph from a kscope profile (symbolized\n"
		   "now) or from folded stacks (\"a;b;c 12\", as stackcollapse-*.pl write them),\n"
		   "or write folded stacks, pprof or speedscope. On-CPU samples count one each;\n"
		   "off-CPU stacks count microseconds blocked, and so does everything when a\n"
		   "profile has both. With --diff, a differential graph: widths from the input,\n"
		   "red where a frame grew since BASE, blue where it shrank.",
	.opts = flame_opts,
};

struct flame_args {
	const char *input;
	const char *output;
	const char *base;
	enum flame_format format;
	unsigned int flags;
	int normalize;
	const char *svg_only;		/* an option that only applies to SVG output */
	const char *profile_only;	/* an option that only applies to profiles */
	bool title_given;
	bool inline_frames;
	struct ks_flame_opts fo;
	/* profiles */
	int *pids, npids;
	const char **comms;
	int ncomms;
	bool on_cpu, off_cpu;
	unsigned int fold_flags;
	struct ks_prof_opts po;
};

/* What a profile is turned into: stacks, or samples for pprof / speedscope. */
/*
 * Samples of one stack (the reader's stack id), thread name, state and, with
 * --per-pid, process add up before folding: one fold per distinct stack, not one per
 * sample. Stack ids are dense: each has a short chain of entries (one per thread
 * name and state, nearly always just one), so no hashing.
 */
struct flame_agg {
	uint32_t *head;			/* per stack id: its first entry + 1; 0: none */
	size_t nhead;
	uint32_t *next;			/* per entry: the next one of its stack id + 1 */
	struct ks_prof_sample *smp;	/* one of each; its locs live until the reader closes */
	uint64_t *weight;
	size_t n, cap;
};

struct flame_sink {
	struct ks_stacks *stacks;
	struct ks_proffold *fold;
	struct flame_agg agg;
	struct ks_pprof *pprof;
	struct ks_speedscope *speedscope;
	bool in_us;			/* stack weights in microseconds, else samples */
	bool used_profile;
};

static const char *input_name(const char *path)
{
	return !path || !strcmp(path, "-") ? "standard input" : path;
}

static int read_fd(int fd, char **data, size_t *len)
{
	struct ks_buf b = { 0 };
	ssize_t n;

	for (;;) {
		if (ks_buf_reserve(&b, 65536)) {
			ks_buf_free(&b);
			return -ENOMEM;
		}
		n = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			ks_buf_free(&b);
			return (int)n;
		}
		if (n == 0)
			break;
		b.len += n;
	}
	b.data[b.len] = '\0';
	*data = b.data;
	*len = b.len;
	return 0;
}

static bool is_recording(const char *data, size_t len)
{
	return len >= 3 && data[0] == 0x17 && data[1] == 0x08 && data[2] == 0x44;
}

static bool file_is_recording(const char *path)
{
	char magic[3];
	FILE *f = fopen(path, "re");
	bool yes;

	if (!f)
		return false;
	yes = fread(magic, 1, 3, f) == 3 && is_recording(magic, 3);
	fclose(f);
	return yes;
}

static bool sample_wanted(const struct flame_args *a, const struct ks_prof_sample *smp)
{
	int i;

	if ((smp->offcpu && a->on_cpu) || (!smp->offcpu && a->off_cpu))
		return false;
	for (i = 0; i < a->npids && a->pids[i] != smp->pid; i++)
		;
	if (a->npids && i == a->npids)
		return false;
	for (i = 0; i < a->ncomms && fnmatch(a->comms[i], smp->comm, 0); i++)
		;
	return !a->ncomms || i < a->ncomms;
}

static bool agg_same(const struct flame_args *a, const struct ks_prof_sample *x,
		     const struct ks_prof_sample *y)
{
	return x->comm == y->comm && x->offcpu == y->offcpu && x->state == y->state &&
	       (!(a->fold_flags & KS_PROFFOLD_PID) || x->pid == y->pid);
}

static void agg_free(struct flame_agg *g)
{
	free(g->head);
	free(g->next);
	free(g->smp);
	free(g->weight);
	memset(g, 0, sizeof(*g));
}

static int agg_add(const struct flame_args *a, struct flame_agg *g,
		   const struct ks_prof_sample *smp, uint64_t w)
{
	uint32_t id = smp->stack_id, e;

	if (ks_profout_grow(&g->head, &g->nhead, (size_t)id + 1, sizeof(*g->head)))
		return -ENOMEM;
	for (e = g->head[id]; e; e = g->next[e - 1]) {
		if (agg_same(a, &g->smp[e - 1], smp)) {
			g->weight[e - 1] += w;
			return 0;
		}
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 1024;
		void *p;

		if (!(p = realloc(g->smp, cap * sizeof(*g->smp))))
			return -ENOMEM;
		g->smp = p;
		if (!(p = realloc(g->weight, cap * sizeof(*g->weight))))
			return -ENOMEM;
		g->weight = p;
		if (!(p = realloc(g->next, cap * sizeof(*g->next))))
			return -ENOMEM;
		g->next = p;
		g->cap = cap;
	}
	g->smp[g->n] = *smp;
	g->weight[g->n] = w;
	g->next[g->n] = g->head[id];
	g->head[id] = (uint32_t)++g->n;
	return 0;
}

/* Fold what agg_add gathered; empties it. Before the reader closes. */
static int agg_flush(struct flame_sink *k, struct ks_err *err)
{
	struct flame_agg *g = &k->agg;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < g->n; i++)
		if (g->weight[i])
			ret = ks_proffold_add(k->fold, k->stacks, &g->smp[i], g->weight[i], err);
	agg_free(g);
	return ret;
}

static int sink_sample(const struct flame_args *a, const struct ks_prof_info *in,
		       struct flame_sink *k, const struct ks_prof_sample *smp,
		       struct ks_prof_loc *scratch, struct ks_err *err)
{
	struct ks_prof_sample f = *smp;
	uint64_t w = 1;
	unsigned int i;

	if (k->stacks) {
		if (k->in_us && (smp->offcpu || in->event_clock[smp->event]))
			w = (smp->weight + 500) / 1000;
		else if (k->in_us)
			w = in->freq ? 1000000 / in->freq : smp->weight;
		if (smp->stack_id != KS_PROF_NO_STACK)
			return agg_add(a, &k->agg, smp, w) ? ks_err_set(err, -ENOMEM,
								       "out of memory") : 0;
		return w ? ks_proffold_add(k->fold, k->stacks, smp, w, err) : 0;
	}
	/* pprof and speedscope see the frames --kernel-only / --user-only keep. */
	if (a->flags & (KS_STACKS_KERNEL_ONLY | KS_STACKS_USER_ONLY)) {
		bool kern = a->flags & KS_STACKS_KERNEL_ONLY;

		f.nlocs = 0;
		f.locs = scratch;
		for (i = 0; i < smp->nlocs; i++)
			if (smp->locs[i].kernel == kern)
				scratch[f.nlocs++] = smp->locs[i];
		if (!f.nlocs)
			return 0;
	}
	return k->pprof ? ks_pprof_add(k->pprof, &f, err) : ks_speedscope_add(k->speedscope, &f, err);
}

/* The sample type pprof gets: what the weights of the samples kept measure. */
/* Whether every on-CPU event's periods are nanoseconds (cpu-clock, task-clock). */
static bool on_cpu_in_ns(const struct ks_prof_info *in, int *counting)
{
	int i, n = 0;

	*counting = -1;
	for (i = 0; i < in->nevents; i++) {
		if (i == in->offcpu_event || in->event_clock[i])
			continue;
		*counting = i;
		n++;
	}
	if (n > 1)
		*counting = -2;
	return !n;
}

/*
 * What the weights of the samples kept measure, for pprof's sample type and
 * speedscope's unit: time, unless on-CPU samples count events.
 */
static int sink_types(const struct flame_args *a, const struct ks_prof_info *in, bool on,
		      bool off, struct flame_sink *k, struct ks_err *err)
{
	uint64_t period = in->freq ? 1000000000ull / in->freq : in->period;
	int counting, ret;
	bool ns = !on || on_cpu_in_ns(in, &counting);

	if (on && off && !ns)
		return ks_err_set(err, -EINVAL, "off-CPU time and on-CPU event counts do not add "
				  "up: pick --on-cpu or --off-cpu");
	if (k->speedscope)
		return ks_speedscope_set_unit(k->speedscope, ns ? "nanoseconds" : "none", err);
	if (a->format != FMT_PPROF || k->pprof)
		return 0;
	if (off && !on)
		ret = ks_pprof_new(&k->pprof, "off_cpu", "nanoseconds", 0, err);
	else if (off)
		ret = ks_pprof_new(&k->pprof, "wall", "nanoseconds", 0, err);
	else if (ns)
		ret = ks_pprof_new(&k->pprof, "cpu", "nanoseconds", period, err);
	else
		ret = ks_pprof_new(&k->pprof, counting >= 0 ? in->event[counting] : "events",
				   "count", in->freq ? 0 : in->period, err);
	if (!ret && in->start_epoch_ns)
		ks_pprof_set_time(k->pprof, in->start_epoch_ns);
	return ret;
}

static void warn_missing(struct ks_prof *p, const char *name)
{
	const char *path, *why;
	unsigned int i;

	for (i = 0; !ks_prof_missing(p, i, &path, &why); i++)
		if (i < 8)
			fprintf(stderr, "kscope flame: %s: %s: %s\n", name, path, why);
	if (i > 8)
		fprintf(stderr, "kscope flame: %s: %u more binaries without symbols\n", name, i - 8);
}

/* Read a kscope profile (from @path, or from @data already read) into @k. */
static int load_recording(const struct flame_args *a, const char *path, const char *data,
			  size_t len, struct flame_sink *k, struct ks_err *err)
{
	const char *name = input_name(path);
	bool progress = isatty(STDERR_FILENO), on, off;
	const struct ks_prof_info *in;
	struct ks_prof_loc *scratch = NULL;
	struct ks_prof_sample smp;
	struct ks_prof *p = NULL;
	uint64_t done, total, last = 0, kept = 0;
	int ret;

	ret = data ? ks_prof_open_mem(data, len, &a->po, &p, err) :
		     ks_prof_open(path, &a->po, &p, err);
	if (ret) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return ks_err_set(err, ret == -ENOMEM ? ret : -EINVAL, "%s: %s", name, msg);
	}
	in = ks_prof_info(p);
	off = in->offcpu_event >= 0 && !a->on_cpu;
	on = in->nevents > (in->offcpu_event >= 0) && !a->off_cpu;
	if (!on && !off) {
		ret = ks_err_set(err, -EINVAL, "%s: no %s samples in this profile", name,
				 a->on_cpu ? "on-CPU" : "off-CPU");
		goto out;
	}
	k->used_profile = true;
	if (k->stacks) {
		k->in_us = off;
		k->fold = ks_proffold_new(a->fold_flags);
		if (!k->fold) {
			ret = ks_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
	} else {
		ret = sink_types(a, in, on, off, k, err);
		if (ret)
			goto out;
	}
	scratch = calloc(1024, sizeof(*scratch));
	if (!scratch) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ks_prof_progress(p, &done, &total);
	progress &= total > (32u << 20);
	while ((ret = ks_prof_next(p, &smp)) > 0) {
		if (!sample_wanted(a, &smp))
			continue;
		kept++;
		ret = sink_sample(a, in, k, &smp, scratch, err);
		if (ret)
			goto out;
		if (progress && !(kept & 1023)) {
			ks_prof_progress(p, &done, &total);
			if (done * 100 / total != last) {
				last = done * 100 / total;
				fprintf(stderr, "\rkscope flame: reading %s: %llu%%\033[K", name,
					(unsigned long long)last);
			}
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	if (ret >= 0 && k->stacks) {
		ret = agg_flush(k, err);
		if (ret)
			goto out;
	}
	if (ret < 0) {
		ks_prof_progress(p, &done, &total);
		ks_err_set(err, -EINVAL, "%s: corrupted at %llu bytes into its samples", name,
			   (unsigned long long)done);
		goto out;
	}
	if (ks_prof_stats(p)->lost)
		fprintf(stderr, "kscope flame: %s: %llu samples were lost while recording\n", name,
			(unsigned long long)ks_prof_stats(p)->lost);
	warn_missing(p, name);
	if (!kept)
		ret = ks_err_set(err, -EINVAL, "%s: no samples left after the filters", name);
out:
	agg_free(&k->agg);
	free(scratch);
	ks_prof_close(p);
	return ret;
}

/*
 * Read a stack profile from @path ('-' or NULL: standard input): a kscope profile
 * (symbolized now) or folded text. -EINVAL for bad input.
 */
static int load_profile(const struct flame_args *a, const char *path, struct flame_sink *k,
			struct ks_err *err)
{
	const char *name = input_name(path);
	struct ks_folded_report rep;
	char *data = NULL;
	size_t len = 0;
	int ret;

	if (path && strcmp(path, "-") && file_is_recording(path))
		return load_recording(a, path, NULL, 0, k, err);
	if (!path || !strcmp(path, "-"))
		ret = read_fd(0, &data, &len);
	else
		ret = ks_read_file(path, &data, &len);
	if (ret)
		return ks_err_set(err, ret, "cannot read %s: %s", name, strerror(-ret));
	if (is_recording(data, len)) {
		ret = load_recording(a, path, data, len, k, err);
		goto out_free;
	}
	if (!k->stacks) {
		ret = ks_err_set(err, -EINVAL, "%s: folded stacks have no addresses: pprof and "
				 "speedscope need a kscope profile", name);
		goto out_free;
	}
	ret = ks_stacks_parse_folded(k->stacks, data, len, &rep, err);
	if (ret)
		goto out_free;
	if (rep.bad) {
		char more[64] = "";

		if (rep.bad > 1)
			snprintf(more, sizeof(more), " (and %llu more bad lines)",
				 (unsigned long long)rep.bad - 1);
		ret = ks_err_set(err, -EINVAL, "%s: line %llu: %s%s", name,
				 (unsigned long long)rep.first_bad, rep.why, more);
		goto out_free;
	}
	if (!ks_stacks_total(k->stacks))
		ret = ks_err_set(err, -EINVAL, "%s: no stacks with samples (expected folded "
				 "lines such as 'main;f;g 12')", name);
out_free:
	free(data);
	return ret;
}

/* Stacks of @path for SVG and folded output. */
static int load_stacks(const struct flame_args *a, const char *path, struct ks_stacks **out,
		       bool *used_profile, bool *in_us, struct ks_err *err)
{
	struct flame_sink k = { 0 };
	int ret;

	*out = NULL;
	k.stacks = ks_stacks_new();
	if (!k.stacks)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = load_profile(a, path, &k, err);
	ks_proffold_free(k.fold);
	if (ret) {
		ks_stacks_free(k.stacks);
		return ret;
	}
	*used_profile |= k.used_profile;
	*in_us |= k.in_us;
	*out = k.stacks;
	return 0;
}

/* Filters, reverse and the differential merge: the profile to write. */
static int prepare(const struct flame_args *a, struct ks_stacks **cur, struct ks_stacks **base,
		   struct ks_err *err)
{
	const char *what = a->flags & KS_STACKS_KERNEL_ONLY ? "--kernel-only" : "--user-only";
	struct ks_stacks *t;
	int ret;

	if (a->flags) {
		ret = ks_stacks_transform(*cur, a->flags, &t, err);
		if (ret)
			return ret;
		ks_stacks_free(*cur);
		*cur = t;
		if (!ks_stacks_total(*cur))
			return ks_err_set(err, -EINVAL, "%s: no samples left after %s",
					  input_name(a->input), what);
	}
	if (!*base)
		return 0;
	if (a->flags) {
		ret = ks_stacks_transform(*base, a->flags, &t, err);
		if (ret)
			return ret;
		ks_stacks_free(*base);
		*base = t;
		if (a->normalize && !ks_stacks_total(*base))
			return ks_err_set(err, -EINVAL, "%s: no samples left after %s to "
					  "normalize", input_name(a->base), what);
	}
	ret = ks_stacks_diff(*base, *cur, a->normalize, &t, err);
	if (ret)
		return ret;
	ks_stacks_free(*cur);
	*cur = t;
	return 0;
}

static int parse_args(struct flame_args *a, int argc, char **argv)
{
	struct ks_opts_state st;
	int c, ret = KS_EXIT_USAGE;

	memset(a, 0, sizeof(*a));
	ks_flame_opts_init(&a->fo);
	ks_opts_init(&st, &flame_help, argc, argv);
	while ((c = ks_opts_next(&st)) != -1) {
		switch (c) {
		case 'i':
			a->input = st.optarg;
			break;
		case 'o':
			a->output = st.optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(st.optarg, "svg")) {
				a->format = FMT_SVG;
			} else if (!strcmp(st.optarg, "folded")) {
				a->format = FMT_FOLDED;
			} else if (!strcmp(st.optarg, "pprof")) {
				a->format = FMT_PPROF;
			} else if (!strcmp(st.optarg, "speedscope")) {
				a->format = FMT_SPEEDSCOPE;
			} else {
				fprintf(stderr, "kscope flame: unknown --format '%s' (svg, folded, "
					"pprof or speedscope)\n", st.optarg);
				goto out;
			}
			break;
		case OPT_PID: {
			int pid, *np;

			if (ks_parse_int(st.optarg, &pid) || pid < 0) {
				fprintf(stderr, "kscope flame: bad --pid '%s'\n", st.optarg);
				goto out;
			}
			np = realloc(a->pids, (a->npids + 1) * sizeof(*np));
			if (!np)
				goto out;
			a->pids = np;
			a->pids[a->npids++] = pid;
			a->profile_only = "--pid";
			break;
		}
		case OPT_COMM: {
			const char **nc = realloc(a->comms, (a->ncomms + 1) * sizeof(*nc));

			if (!nc)
				goto out;
			a->comms = nc;
			a->comms[a->ncomms++] = st.optarg;
			a->profile_only = "--comm";
			break;
		}
		case OPT_ON_CPU:
			a->on_cpu = true;
			a->profile_only = "--on-cpu";
			break;
		case OPT_OFF_CPU:
			a->off_cpu = true;
			a->profile_only = "--off-cpu";
			break;
		case OPT_STATE:
			if (!*st.optarg || strspn(st.optarg, "SDRITtXZP") != strlen(st.optarg)) {
				fprintf(stderr, "kscope flame: bad --state '%s' (letters of S, D, R, "
					"I, T)\n", st.optarg);
				goto out;
			}
			a->po.states = st.optarg;
			a->profile_only = "--state";
			break;
		case OPT_SYMFS:
			a->po.symfs = st.optarg;
			a->profile_only = "--symfs";
			break;
		case OPT_NO_DEMANGLE:
			a->po.no_demangle = true;
			a->profile_only = "--no-demangle";
			break;
		case OPT_PER_PID:
			a->fold_flags |= KS_PROFFOLD_PID;
			a->profile_only = "--per-pid";
			break;
		case OPT_SRCLINE:
			a->fold_flags |= KS_PROFFOLD_SRCLINE;
			a->profile_only = "--srcline";
			break;
		case OPT_INLINE:
			a->inline_frames = true;
			a->profile_only = "--inline";
			break;
		case OPT_TITLE:
			a->fo.title = st.optarg;
			a->title_given = true;
			break;
		case OPT_SUBTITLE:
			a->fo.subtitle = st.optarg;
			a->svg_only = "--subtitle";
			break;
		case OPT_REVERSE:
			a->flags |= KS_STACKS_REVERSE;
			break;
		case OPT_INVERTED:
			a->fo.inverted = 1;
			a->svg_only = "--inverted";
			break;
		case OPT_MINWIDTH:
			if (ks_flame_parse_minwidth(st.optarg, &a->fo)) {
				fprintf(stderr, "kscope flame: bad --minwidth '%s' (pixels "
					"such as 0.5, or a percentage such as 1%%)\n", st.optarg);
				goto out;
			}
			a->svg_only = "--minwidth";
			break;
		case OPT_COLORS:
			if (ks_flame_parse_palette(st.optarg, &a->fo.palette)) {
				fprintf(stderr, "kscope flame: unknown --colors '%s' (hot, "
					"mem, io, wakeup or chain)\n", st.optarg);
				goto out;
			}
			a->svg_only = "--colors";
			break;
		case OPT_KERNEL_ONLY:
			a->flags |= KS_STACKS_KERNEL_ONLY;
			break;
		case OPT_USER_ONLY:
			a->flags |= KS_STACKS_USER_ONLY;
			break;
		case OPT_DIFF:
			a->base = st.optarg;
			break;
		case OPT_NORMALIZE:
			a->normalize = 1;
			break;
		case 'h':
			ks_opts_help(stdout, &flame_help);
			ret = KS_EXIT_OK;
			goto out;
		default:
			fprintf(stderr, "kscope flame: %s (see --help)\n", st.bad);
			goto out;
		}
	}
	if (ks_opts_index(&st) < argc) {
		fprintf(stderr, "kscope flame: unexpected argument '%s' (the input is -i FILE)\n",
			argv[ks_opts_index(&st)]);
		goto out;
	}
	if ((a->flags & KS_STACKS_KERNEL_ONLY) && (a->flags & KS_STACKS_USER_ONLY)) {
		fprintf(stderr, "kscope flame: --kernel-only and --user-only exclude each other\n");
		goto out;
	}
	if (a->normalize && !a->base) {
		fprintf(stderr, "kscope flame: --normalize needs --diff BASE\n");
		goto out;
	}
	if (a->title_given && a->format != FMT_SVG && a->format != FMT_SPEEDSCOPE) {
		fprintf(stderr, "kscope flame: --title applies to svg and speedscope output\n");
		goto out;
	}
	if (a->format != FMT_SVG && a->svg_only) {
		fprintf(stderr, "kscope flame: %s only applies to --format svg\n", a->svg_only);
		goto out;
	}
	/*
	 * Stacks show functions, as perf script and stackcollapse-perf.pl do; inlined
	 * ones on request. Function names alone need no DWARF, which is most of the
	 * time on big binaries. pprof and speedscope always carry lines and inlines.
	 */
	if (!a->inline_frames)
		a->fold_flags |= KS_PROFFOLD_NO_INLINE;
	if (!a->inline_frames && !(a->fold_flags & KS_PROFFOLD_SRCLINE) && a->format <= FMT_FOLDED)
		a->po.no_lines = true;
	if (a->inline_frames && a->format >= FMT_PPROF) {
		fprintf(stderr, "kscope flame: --inline applies to svg and folded output (pprof and "
			"speedscope always have inlined functions)\n");
		goto out;
	}
	if (a->po.states && a->on_cpu) {
		fprintf(stderr, "kscope flame: --state picks off-CPU stacks: not with --on-cpu\n");
		goto out;
	}
	if (a->on_cpu && a->off_cpu) {
		fprintf(stderr, "kscope flame: --on-cpu and --off-cpu exclude each other (without "
			"either, a profile's on- and off-CPU stacks are drawn together)\n");
		goto out;
	}
	if (a->format >= FMT_PPROF && (a->base || (a->flags & KS_STACKS_REVERSE) ||
				       (a->fold_flags & (KS_PROFFOLD_PID | KS_PROFFOLD_SRCLINE)))) {
		fprintf(stderr, "kscope flame: --diff, --reverse, --per-pid and --srcline apply "
			"to svg and folded output\n");
		goto out;
	}
	if (a->base && !strcmp(a->base, "-") && (!a->input || !strcmp(a->input, "-"))) {
		fprintf(stderr, "kscope flame: --diff and the input cannot both be standard "
			"input\n");
		goto out;
	}
	ret = -1;
out:
	ks_opts_free(&st);
	return ret;
}

/* A profile straight into the pprof or speedscope writer (no stack trie between). */
static int load_samples(const struct flame_args *a, struct flame_sink *k, struct ks_err *err)
{
	int ret = 0;

	if (a->format == FMT_SPEEDSCOPE)
		ret = ks_speedscope_new(&k->speedscope, a->fo.title ? a->fo.title :
					input_name(a->input), err);
	return ret ?: load_profile(a, a->input, k, err);
}

int ks_cmd_flame(int argc, char **argv)
{
	struct ks_stacks *cur = NULL, *base = NULL;
	struct flame_sink samples = { 0 };
	struct ks_err err = { "" };
	struct ks_outfile out;
	struct flame_args a;
	bool used_profile = false, in_us = false;
	int ret, fd = STDOUT_FILENO, to_file, rc = KS_EXIT_USAGE;

	ret = parse_args(&a, argc, argv);
	if (ret >= 0)
		goto out_args;
	to_file = a.output && strcmp(a.output, "-");

	/* Unreadable or malformed input is bad input (2); only running out of memory is not. */
	if (a.format < FMT_PPROF) {
		ret = load_stacks(&a, a.input, &cur, &used_profile, &in_us, &err);
		if (!ret && a.base)
			ret = load_stacks(&a, a.base, &base, &used_profile, &in_us, &err);
		if (!ret && a.profile_only && !used_profile)
			ret = ks_err_set(&err, -EINVAL, "%s only applies to kscope profiles, not to "
					 "folded stacks", a.profile_only);
		if (!ret)
			ret = prepare(&a, &cur, &base, &err);
		if (ret) {
			rc = ret == -ENOMEM ? KS_EXIT_FAIL : KS_EXIT_USAGE;
			goto out_err;
		}
		if (in_us && !a.fo.countname)
			a.fo.countname = "us";
	} else {
		ret = load_samples(&a, &samples, &err);
		if (ret) {
			rc = ret == -ENOMEM ? KS_EXIT_FAIL : KS_EXIT_USAGE;
			goto out_err;
		}
	}

	rc = KS_EXIT_FAIL;
	if (to_file) {
		ret = ks_outfile_open(&out, a.output);
		if (ret) {
			ks_err_set(&err, ret, "cannot create %s: %s", a.output, strerror(-ret));
			goto out_err;
		}
		fd = out.fd;
	}
	if (a.format == FMT_FOLDED)
		ret = ks_stacks_write_folded(cur, fd, &err);
	else if (a.format == FMT_SVG)
		ret = ks_flame_write_svg(cur, &a.fo, fd, &err);
	else if (samples.pprof)
		ret = ks_pprof_write(samples.pprof, fd, &err);
	else
		ret = ks_speedscope_write(samples.speedscope, fd, &err);
	if (to_file) {
		if (ret) {
			ks_outfile_discard(&out);
		} else {
			ret = ks_outfile_commit(&out);
			if (ret)
				ks_err_set(&err, ret, "cannot write %s: %s", a.output,
					   strerror(-ret));
		}
	}
	if (ret)
		goto out_err;
	rc = KS_EXIT_OK;
	goto out_free;

out_err:
	fprintf(stderr, "kscope flame: %s\n", err.msg);
out_free:
	ks_stacks_free(cur);
	ks_stacks_free(base);
	ks_pprof_free(samples.pprof);
	ks_speedscope_free(samples.speedscope);
	ret = rc;
out_args:
	free(a.pids);
	free(a.comms);
	return ret;
}

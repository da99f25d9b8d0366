// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope flame: a flame graph (SVG), folded stacks, pprof or speedscope from a profile
 * or folded stacks. parse -> read (output/flamein) -> prepare (filters, diff) -> write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/base/opts.h"
#include "kscope/base/parse.h"
#include "kscope/cmds.h"
#include "kscope/output/flamegraph.h"
#include "kscope/output/flamein.h"
#include "kscope/output/pprof.h"
#include "kscope/output/proffold.h"
#include "kscope/output/speedscope.h"
#include "kscope/profile/stacks.h"

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
	unsigned int flags;		/* KS_STACKS_*: --kernel-only, --user-only, --reverse */
	bool normalize;
	const char *svg_only;		/* an option that only applies to SVG output */
	const char *profile_only;	/* an option that only applies to profiles */
	bool title_given;
	bool inline_frames;
	struct ks_flame_opts fo;
	int *pids, npids;
	const char **comms;
	int ncomms;
	struct ks_flamein_opts in;
	bool progress_shown;		/* a progress line is on the terminal */
	struct ks_err err;
};

static int parse_format(struct flame_args *a, const char *arg)
{
	static const char *const names[] = { "svg", "folded", "pprof", "speedscope" };
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(names); i++) {
		if (!strcmp(arg, names[i])) {
			a->format = (enum flame_format)i;
			return 0;
		}
	}
	return ks_err_set(&a->err, -EINVAL, "unknown --format '%s' (svg, folded, pprof or "
			  "speedscope)", arg);
}

/* Options that only make sense for profiles: what to keep and how to name frames. */
static int profile_opt(struct flame_args *a, int opt, const char *arg)
{
	const char **nc;

	switch (opt) {
	case OPT_PID:
		a->profile_only = "--pid";
		if (ks_parse_int_list(arg, 0, 1 << 30, &a->pids, &a->npids))
			return ks_err_set(&a->err, -EINVAL, "bad --pid '%s'", arg);
		return 0;
	case OPT_COMM:
		a->profile_only = "--comm";
		nc = realloc(a->comms, (size_t)(a->ncomms + 1) * sizeof(*nc));
		if (!nc)
			return ks_err_set(&a->err, -ENOMEM, "out of memory");
		a->comms = nc;
		a->comms[a->ncomms++] = arg;
		return 0;
	case OPT_ON_CPU:
		a->profile_only = "--on-cpu";
		a->in.filter.on_cpu = true;
		return 0;
	case OPT_OFF_CPU:
		a->profile_only = "--off-cpu";
		a->in.filter.off_cpu = true;
		return 0;
	case OPT_STATE:
		a->profile_only = "--state";
		if (!*arg || strspn(arg, "SDRITtXZP") != strlen(arg))
			return ks_err_set(&a->err, -EINVAL, "bad --state '%s' (letters of S, D, R, "
					  "I, T)", arg);
		a->in.prof.states = arg;
		return 0;
	case OPT_SYMFS:
		a->profile_only = "--symfs";
		a->in.prof.symfs = arg;
		return 0;
	case OPT_NO_DEMANGLE:
		a->profile_only = "--no-demangle";
		a->in.prof.no_demangle = true;
		return 0;
	case OPT_PER_PID:
		a->profile_only = "--per-pid";
		a->in.fold_flags |= KS_PROFFOLD_PID;
		return 0;
	case OPT_SRCLINE:
		a->profile_only = "--srcline";
		a->in.fold_flags |= KS_PROFFOLD_SRCLINE;
		return 0;
	case OPT_INLINE:
		a->profile_only = "--inline";
		a->inline_frames = true;
		return 0;
	}
	return 1;
}

/* Options for the SVG drawing. */
static int svg_opt(struct flame_args *a, int opt, const char *arg)
{
	switch (opt) {
	case OPT_TITLE:
		a->fo.title = arg;
		a->title_given = true;
		return 0;
	case OPT_SUBTITLE:
		a->fo.subtitle = arg;
		a->svg_only = "--subtitle";
		return 0;
	case OPT_INVERTED:
		a->fo.inverted = 1;
		a->svg_only = "--inverted";
		return 0;
	case OPT_MINWIDTH:
		a->svg_only = "--minwidth";
		if (ks_flame_parse_minwidth(arg, &a->fo))
			return ks_err_set(&a->err, -EINVAL, "bad --minwidth '%s' (pixels such as "
					  "0.5, or a percentage such as 1%%)", arg);
		return 0;
	case OPT_COLORS:
		a->svg_only = "--colors";
		if (ks_flame_parse_palette(arg, &a->fo.palette))
			return ks_err_set(&a->err, -EINVAL, "unknown --colors '%s' (hot, mem, io, "
					  "wakeup or chain)", arg);
		return 0;
	}
	return 1;
}

static int flame_opt(void *ctx, int opt, const char *arg)
{
	struct flame_args *a = ctx;
	int ret = profile_opt(a, opt, arg);

	if (ret <= 0)
		return ret;
	ret = svg_opt(a, opt, arg);
	if (ret <= 0)
		return ret;
	switch (opt) {
	case 'i':
		a->input = arg;
		return 0;
	case 'o':
		a->output = arg;
		return 0;
	case OPT_FORMAT:
		return parse_format(a, arg);
	case OPT_REVERSE:
		a->flags |= KS_STACKS_REVERSE;
		return 0;
	case OPT_KERNEL_ONLY:
		a->flags |= KS_STACKS_KERNEL_ONLY;
		return 0;
	case OPT_USER_ONLY:
		a->flags |= KS_STACKS_USER_ONLY;
		return 0;
	case OPT_DIFF:
		a->base = arg;
		return 0;
	case OPT_NORMALIZE:
		a->normalize = true;
		return 0;
	}
	return -EINVAL;
}

/* Options that exclude each other or need another: one message each. */
static int flame_check(struct flame_args *a)
{
	bool samples = a->format >= FMT_PPROF;
	const char *why = NULL;

	if ((a->flags & KS_STACKS_KERNEL_ONLY) && (a->flags & KS_STACKS_USER_ONLY))
		why = "--kernel-only and --user-only exclude each other";
	else if (a->normalize && !a->base)
		why = "--normalize needs --diff BASE";
	else if (a->title_given && a->format != FMT_SVG && a->format != FMT_SPEEDSCOPE)
		why = "--title applies to svg and speedscope output";
	else if (a->format != FMT_SVG && a->svg_only)
		return ks_err_set(&a->err, -EINVAL, "%s only applies to --format svg", a->svg_only);
	else if (a->inline_frames && samples)
		why = "--inline applies to svg and folded output (pprof and speedscope always "
		      "have inlined functions)";
	else if (a->in.prof.states && a->in.filter.on_cpu)
		why = "--state picks off-CPU stacks: not with --on-cpu";
	else if (a->in.filter.on_cpu && a->in.filter.off_cpu)
		why = "--on-cpu and --off-cpu exclude each other (without either, a profile's "
		      "on- and off-CPU stacks are drawn together)";
	else if (samples && (a->base || (a->flags & KS_STACKS_REVERSE) ||
			     (a->in.fold_flags & (KS_PROFFOLD_PID | KS_PROFFOLD_SRCLINE))))
		why = "--diff, --reverse, --per-pid and --srcline apply to svg and folded output";
	else if (a->base && !strcmp(a->base, "-") && (!a->input || !strcmp(a->input, "-")))
		why = "--diff and the input cannot both be standard input";
	if (why)
		return ks_err_set(&a->err, -EINVAL, "%s", why);
	/*
	 * Stacks show functions, as perf script and stackcollapse-perf.pl do; inlined
	 * ones on request. Function names alone need no DWARF, which is most of the
	 * time on big binaries. pprof and speedscope always carry lines and inlines.
	 */
	if (!a->inline_frames)
		a->in.fold_flags |= KS_PROFFOLD_NO_INLINE;
	if (!a->inline_frames && !(a->in.fold_flags & KS_PROFFOLD_SRCLINE) && !samples)
		a->in.prof.no_lines = true;
	a->in.filter.pids = a->pids;
	a->in.filter.npids = a->npids;
	a->in.filter.comms = a->comms;
	a->in.filter.ncomms = a->ncomms;
	a->in.frames = a->flags & (KS_STACKS_KERNEL_ONLY | KS_STACKS_USER_ONLY);
	return 0;
}

static int flame_parse(struct flame_args *a, int argc, char **argv)
{
	int ret, i;

	ks_flame_opts_init(&a->fo);
	ret = ks_opts_parse(&flame_help, argc, argv, flame_opt, a, &i, &a->err);
	if (!ret && i < argc)
		ret = ks_err_set(&a->err, -EINVAL, "unexpected argument '%s' (the input is -i FILE)",
				 argv[i]);
	return ret ?: flame_check(a);
}

static void on_progress(void *arg, const char *name, uint64_t done, uint64_t total)
{
	struct flame_args *a = arg;

	a->progress_shown = true;
	fprintf(stderr, "\rkscope flame: reading %s: %llu%%\033[K", name,
		(unsigned long long)(done * 100 / total));
}

static void on_missing(void *arg, const char *name, const char *path, const char *why)
{
	fprintf(stderr, "kscope flame: %s: %s: %s\n", name, path, why);
}

static void end_progress(struct flame_args *a)
{
	if (a->progress_shown)
		fprintf(stderr, "\r\033[K");
	a->progress_shown = false;
}

/* What a profile's reading leaves to say: lost samples, binaries without symbols. */
static void report_input(struct flame_args *a, const char *path,
			 const struct ks_flamein_info *info)
{
	const char *name = ks_flamein_name(path);

	if (info->lost)
		fprintf(stderr, "kscope flame: %s: %llu samples were lost while recording\n", name,
			(unsigned long long)info->lost);
	if (info->missing > KS_FLAMEIN_MISSING_SHOWN)
		fprintf(stderr, "kscope flame: %s: %u more binaries without symbols\n", name,
			info->missing - KS_FLAMEIN_MISSING_SHOWN);
}

/* Stacks of one input for SVG and folded output. */
static int read_stacks(struct flame_args *a, const char *path, struct ks_stacks **out,
		       bool *profile, bool *in_us)
{
	struct ks_flamein_info info;
	int ret;

	*out = ks_stacks_new();
	if (!*out)
		return ks_err_set(&a->err, -ENOMEM, "out of memory");
	ret = ks_flamein_stacks(&a->in, path, *out, &info, &a->err);
	end_progress(a);
	if (!ret)
		report_input(a, path, &info);
	*profile |= info.profile;
	*in_us |= info.in_us;
	return ret;
}

/* The SVG or folded stacks, ready to write. */
static int flame_stacks(struct flame_args *a, struct ks_stacks **cur, struct ks_stacks **base)
{
	bool profile = false, in_us = false;
	int ret;

	ret = read_stacks(a, a->input, cur, &profile, &in_us);
	if (!ret && a->base)
		ret = read_stacks(a, a->base, base, &profile, &in_us);
	if (!ret && a->profile_only && !profile)
		ret = ks_err_set(&a->err, -EINVAL, "%s only applies to kscope profiles, not to "
				 "folded stacks", a->profile_only);
	if (!ret)
		ret = ks_flamein_prepare(cur, a->input, base, a->base, a->flags, a->normalize,
					 &a->err);
	if (!ret && in_us && !a->fo.countname)
		a->fo.countname = "us";
	return ret;
}

static int flame_write(struct flame_args *a, int fd, struct ks_stacks *cur, struct ks_pprof *pp,
		       struct ks_speedscope *ss)
{
	switch (a->format) {
	case FMT_FOLDED:
		return ks_stacks_write_folded(cur, fd, &a->err);
	case FMT_SVG:
		return ks_flame_write_svg(cur, &a->fo, fd, &a->err);
	case FMT_PPROF:
		return ks_pprof_write(pp, fd, &a->err);
	default:
		return ks_speedscope_write(ss, fd, &a->err);
	}
}

/* To the output file (complete or not at all), or to standard output. */
static int flame_output(struct flame_args *a, struct ks_stacks *cur, struct ks_pprof *pp,
			struct ks_speedscope *ss)
{
	struct ks_outfile out;
	int ret;

	if (!a->output || !strcmp(a->output, "-"))
		return flame_write(a, STDOUT_FILENO, cur, pp, ss);
	ret = ks_outfile_open(&out, a->output);
	if (ret)
		return ks_err_runtime(&a->err, ret, "cannot create %s: %s", a->output,
				      strerror(-ret));
	ret = flame_write(a, out.fd, cur, pp, ss);
	if (ret) {
		ks_outfile_discard(&out);
		return ret;
	}
	ret = ks_outfile_commit(&out);
	return ret ? ks_err_runtime(&a->err, ret, "cannot write %s: %s", a->output,
				    strerror(-ret)) : 0;
}

int ks_cmd_flame(int argc, char **argv)
{
	struct flame_args a = { .in = { .missing = on_missing } };
	struct ks_stacks *cur = NULL, *base = NULL;
	struct ks_flamein_info info;
	struct ks_speedscope *ss = NULL;
	struct ks_pprof *pp = NULL;
	int ret, code = KS_EXIT_OK;

	a.in.arg = &a;
	if (isatty(STDERR_FILENO))
		a.in.progress = on_progress;
	ret = flame_parse(&a, argc, argv);
	if (ret > 0)
		goto out;
	/* Unreadable or malformed input is bad input (2); only running out of memory is not. */
	if (!ret && a.format <= FMT_FOLDED)
		ret = flame_stacks(&a, &cur, &base);
	else if (!ret && a.format == FMT_PPROF)
		ret = ks_flamein_pprof(&a.in, a.input, &pp, &info, &a.err);
	else if (!ret)
		ret = ks_flamein_speedscope(&a.in, a.input, a.fo.title, &ss, &info, &a.err);
	end_progress(&a);
	if (!ret && a.format >= FMT_PPROF)
		report_input(&a, a.input, &info);
	ret = ret ?: flame_output(&a, cur, pp, ss);
	if (ret)
		code = ks_cmd_fail("flame", ret, &a.err);
out:
	ks_stacks_free(cur);
	ks_stacks_free(base);
	ks_pprof_free(pp);
	ks_speedscope_free(ss);
	free(a.pids);
	free(a.comms);
	return code;
}

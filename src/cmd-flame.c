// SPDX-License-Identifier: GPL-2.0
/* kscope flame: a flame graph (SVG) or folded stacks from a stack profile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/cmds.h"
#include "kscope/flamegraph.h"
#include "kscope/opts.h"
#include "kscope/stacks.h"
#include "kscope/util.h"

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
};

static const struct ks_opt flame_opts[] = {
	{ 'i', "input", "FILE", "folded stacks to read (default, or '-': standard input)" },
	{ 'o', "output", "FILE", "write to FILE (default, or '-': standard output)" },
	{ OPT_FORMAT, "format", "svg|folded", "an interactive SVG (default) or folded stacks" },
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
	{ 0 },
};

static const struct ks_cmd_help flame_help = {
	.name = "flame",
	.usage = "[-i FILE] [-o FILE] [--format svg|folded] [options]",
	.summary = "Draw an interactive SVG flame graph from folded stacks (\"a;b;c 12\", as\n"
		   "stackcollapse-*.pl write them), or write the stacks back folded and sorted.\n"
		   "With --diff, a differential graph: widths from the input, red where a frame\n"
		   "grew since BASE, blue where it shrank.",
	.opts = flame_opts,
};

struct flame_args {
	const char *input;
	const char *output;
	const char *base;
	int folded;
	unsigned int flags;
	int normalize;
	const char *svg_only;		/* an option that only applies to SVG output */
	struct ks_flame_opts fo;
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

/*
 * Read a stack profile from @path ('-' or NULL: standard input). Folded text is
 * the only format so far; profile recordings will be recognised here too, so that
 * every input goes through this one function. -EINVAL for bad input.
 */
static int load_profile(const char *path, struct ks_stacks **out, struct ks_err *err)
{
	const char *name = input_name(path);
	struct ks_folded_report rep;
	struct ks_stacks *s = NULL;
	char *data = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	if (!path || !strcmp(path, "-"))
		ret = read_fd(0, &data, &len);
	else
		ret = ks_read_file(path, &data, &len);
	if (ret)
		return ks_err_set(err, ret, "cannot read %s: %s", name, strerror(-ret));
	s = ks_stacks_new();
	if (!s) {
		ret = ks_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	ret = ks_stacks_parse_folded(s, data, len, &rep, err);
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
	if (!ks_stacks_total(s)) {
		ret = ks_err_set(err, -EINVAL, "%s: no stacks with samples (expected folded "
				 "lines such as 'main;f;g 12')", name);
		goto out_free;
	}
	*out = s;
	s = NULL;
out_free:
	ks_stacks_free(s);
	free(data);
	return ret;
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
			if (strcmp(st.optarg, "svg") && strcmp(st.optarg, "folded")) {
				fprintf(stderr, "kscope flame: unknown --format '%s' "
					"(svg or folded)\n", st.optarg);
				goto out;
			}
			a->folded = !strcmp(st.optarg, "folded");
			break;
		case OPT_TITLE:
			a->fo.title = st.optarg;
			a->svg_only = "--title";
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
	if (a->folded && a->svg_only) {
		fprintf(stderr, "kscope flame: %s only applies to --format svg\n", a->svg_only);
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

int ks_cmd_flame(int argc, char **argv)
{
	struct ks_stacks *cur = NULL, *base = NULL;
	struct ks_err err = { "" };
	struct ks_outfile out;
	struct flame_args a;
	int ret, fd = STDOUT_FILENO, to_file, rc = KS_EXIT_USAGE;

	ret = parse_args(&a, argc, argv);
	if (ret >= 0)
		return ret;
	to_file = a.output && strcmp(a.output, "-");

	/* Unreadable or malformed input is bad input (2); only running out of memory is not. */
	ret = load_profile(a.input, &cur, &err);
	if (!ret && a.base)
		ret = load_profile(a.base, &base, &err);
	if (!ret)
		ret = prepare(&a, &cur, &base, &err);
	if (ret) {
		rc = ret == -ENOMEM ? KS_EXIT_FAIL : KS_EXIT_USAGE;
		goto out_err;
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
	if (a.folded)
		ret = ks_stacks_write_folded(cur, fd, &err);
	else
		ret = ks_flame_write_svg(cur, &a.fo, fd, &err);
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
	return rc;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interactive SVG flame graphs from a stack profile: one <g> per frame, sorted
 * alphabetically per level like flamegraph.pl, with embedded JavaScript for hover
 * details, click to zoom, reset zoom and regex search with the matched share. The
 * file needs nothing else: it works opened directly in a browser.
 */
#ifndef KSCOPE_OUTPUT_FLAMEGRAPH_H
#define KSCOPE_OUTPUT_FLAMEGRAPH_H

#include "kscope/profile/stacks.h"
#include "kscope/base/util.h"

enum ks_flame_palette {
	KS_FLAME_HOT,		/* CPU: reds and yellows */
	KS_FLAME_MEM,		/* memory: greens */
	KS_FLAME_IO,		/* I/O, off-CPU: blues */
	KS_FLAME_WAKEUP,	/* wakeups: aqua */
	KS_FLAME_CHAIN,		/* off-CPU blue, waker frames (after "--", or "_[w]") aqua */
};

struct ks_flame_opts {
	const char *title;		/* NULL: "Flame Graph" ("Icicle Graph" if inverted) */
	const char *subtitle;		/* NULL or "": none */
	const char *countname;		/* what the weights are; NULL: "samples" */
	enum ks_flame_palette palette;
	int inverted;			/* icicle graph: root at the top, stacks grow down */
	double minwidth;		/* leave out frames narrower than this many pixels, */
	int minwidth_pct;		/* or, if set, than this percentage of the total */
	unsigned int width;		/* image width in pixels */
};

/* Defaults: hot, minwidth 0.1 pixels (flamegraph.pl's), 1200 pixels wide. */
void ks_flame_opts_init(struct ks_flame_opts *o);

/* "hot", "mem", "io", "wakeup", "chain". -EINVAL for anything else. */
int ks_flame_parse_palette(const char *name, enum ks_flame_palette *p);
/* "0.5" or "2px" (pixels), "1%" (of the total). -EINVAL if malformed. */
int ks_flame_parse_minwidth(const char *s, struct ks_flame_opts *o);

/*
 * Write the SVG to @fd. A differential profile (ks_stacks_is_diff) is drawn with
 * widths from its weights and each frame coloured by the change of its own (self)
 * weight against the base, like flamegraph.pl: red grew, blue shrank, white
 * unchanged, the most changed frame the most saturated. Otherwise colours come
 * from the palette, the same for the same frame name in every graph; kernel
 * frames ("_[k]") get a colour family of their own.
 * -EINVAL (with @err) if the profile has no weight to draw, or a write error.
 */
int ks_flame_write_svg(const struct ks_stacks *s, const struct ks_flame_opts *o, int fd,
		       struct ks_err *err);

#endif

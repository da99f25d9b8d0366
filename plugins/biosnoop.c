// SPDX-License-Identifier: GPL-2.0-only
/*
 * biosnoop: a line per block I/O as it completes (bcc's biosnoop): when, who
 * submitted it, the disk, the kind (R, W, F for a flush, D for a discard), the
 * sector, the size and the latency from issue to completion (with -Q, the time
 * queued before the issue in a column of its own).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biopair.h"
#include "kscope/plugins/plugins.h"

static const struct ks_opt biosnoop_opts[] = {
	{ 'Q', "queue", NULL, "a column with the time queued before the device got it" },
	{ 'P', "pattern", NULL, "a column saying whether each I/O is sequential (S) or random (R)" },
	{ 'd', "disk", "DISK", "only this disk (vda, or MAJ:MIN)" },
	{ 0 },
};

enum { COL_TIME, COL_COMM, COL_PID, COL_DISK, COL_T, COL_SECTOR, COL_BYTES, NCOLS_BASE };

struct last_end {
	uint32_t dev;
	uint64_t sector;		/* where the disk's previous I/O ended */
};

struct biosnoop {
	struct biopair b;		/* first: the block callbacks find it there */
	bool queue, pattern;
	const char *disk;
	uint64_t first_ts;
	struct ks_col cols[NCOLS_BASE + 3];
	int ncols;
	struct last_end last[256];	/* the disks seen first (more get "?") */
	int nlast;
};

static const struct ks_col base_cols[NCOLS_BASE] = {
	{ "TIME(s)", KS_COL_F64, 11, true, 6 },
	{ "COMM", KS_COL_STR, 14, true, 0 },
	{ "PID", KS_COL_U64, 7, true, 0 },
	{ "DISK", KS_COL_STR, 9, true, 0 },
	{ "T", KS_COL_STR, 1, true, 0 },
	{ "SECTOR", KS_COL_U64, 10, true, 0 },
	{ "BYTES", KS_COL_U64, 6, true, 0 },
};

static int biosnoop_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
			struct ks_err *err)
{
	struct biosnoop *s = priv;

	switch (key) {
	case 'Q':
		s->queue = true;
		return 0;
	case 'P':
		s->pattern = true;
		return 0;
	case 'd':
		s->disk = arg;
		return 0;
	}
	return -EINVAL;
}

/*
 * "S" when the disk's previous I/O ended where this one starts, "R" if not, "?" first;
 * a request without data (a flush) is neither and does not move the disk's position.
 */
static const char *pattern_of(struct biosnoop *s, const struct bio_done *d)
{
	const char *p = "?";
	int i;

	if (!d->rq->bytes)
		return "-";
	for (i = 0; i < s->nlast && s->last[i].dev != d->dev; i++)
		;
	if (i < s->nlast)
		p = s->last[i].sector == d->sector ? "S" : "R";
	else if (s->nlast < (int)KS_ARRAY_SIZE(s->last))
		s->last[s->nlast++].dev = d->dev;
	else
		return p;
	s->last[i].sector = d->sector + d->rq->bytes / 512;
	return p;
}

static void on_done(struct ks_analysis *a, void *priv, const struct bio_done *d)
{
	struct biosnoop *s = priv;
	const struct bio_rq *rq = d->rq;
	char disk[32], kind[2] = { biopair_kind(rq->flags), 0 };
	union ks_cell c[NCOLS_BASE + 3];
	int n = NCOLS_BASE;

	if (!s->first_ts)
		s->first_ts = d->ts;
	c[COL_TIME].f = (double)(d->ts - s->first_ts) / 1e9;
	c[COL_COMM].s = rq->comm[0] ? rq->comm : "?";
	c[COL_PID].u = (uint64_t)ks_analysis_tgid(a, rq->pid);	/* the process, as bcc */
	c[COL_DISK].s = biopair_disk(&s->b, d->dev, disk, sizeof(disk));
	c[COL_T].s = kind;
	c[COL_SECTOR].u = d->sector;
	c[COL_BYTES].u = rq->bytes;
	if (s->pattern)
		c[n++].s = pattern_of(s, d);
	if (s->queue)
		c[n++].f = rq->submit && rq->submit < rq->issue ?
			   (double)(rq->issue - rq->submit) / 1e6 : 0;
	c[n].f = d->ts > rq->issue ? (double)(d->ts - rq->issue) / 1e6 : 0;
	ks_analysis_stream_row(a, c);
}

static int biosnoop_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	static const struct ks_col pat = { "P", KS_COL_STR, 1, true, 0 };
	static const struct ks_col que = { "QUE(ms)", KS_COL_F64, 7, false, 2 };
	static const struct ks_col lat = { "LAT(ms)", KS_COL_F64, 7, false, 2 };
	struct biosnoop *s = priv;

	memcpy(s->cols, base_cols, sizeof(base_cols));
	s->ncols = NCOLS_BASE;
	if (s->pattern)
		s->cols[s->ncols++] = pat;
	if (s->queue)
		s->cols[s->ncols++] = que;
	s->cols[s->ncols++] = lat;
	ks_analysis_stream(a, s->cols, s->ncols);
	/* The submitter is whom a line names, -Q or not: follow submissions always. */
	return biopair_setup(&s->b, a, BIOPAIR_SUBMITTER | (s->queue ? BIOPAIR_QUEUE : 0),
			     s->disk, on_done, err);
}

static void biosnoop_free(void *priv)
{
	biopair_free(priv);
}

const struct ks_plugin ks_plugin_biosnoop = {
	.name = "biosnoop",
	.summary = "a line per block I/O: who, which disk and sector, how big, how long",
	.peer = "bcc biosnoop",
	.usage = "[-Q] [-P] [-d DISK] [options] [-- command [args]]",
	.description = "Print a line for each block I/O as it completes, like bcc's biosnoop: the\n"
		       "time since the first, the process that submitted it, the disk, its kind\n"
		       "(R, W, F flush, D discard), sector, bytes and latency in milliseconds,\n"
		       "from the block tracepoints (no eBPF). -d here names a disk: the duration\n"
		       "is --duration.",
	.needs = "block:block_rq_issue, block:block_rq_complete",
	.opts = biosnoop_opts,
	.flags = KS_PLUGIN_SYSTEM | KS_PLUGIN_STREAM,
	.priv_size = sizeof(struct biosnoop),
	.opt = biosnoop_opt,
	.setup = biosnoop_setup,
	.free = biosnoop_free,
};

// SPDX-License-Identifier: GPL-2.0-only
/*
 * biotop: block I/O per process, refreshed every interval (bcc's biotop): for each
 * process, direction and disk, the I/Os completed, their kilobytes and average
 * latency, the busiest first. The process is the one that submitted the I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "biopair.h"
#include "kscope/base/parse.h"
#include "kscope/plugins/plugins.h"

static const struct ks_opt biotop_opts[] = {
	{ 'C', "noclear", NULL, "do not clear the screen between intervals" },
	{ 'r', "maxrows", "N", "print at most N rows (default 20)" },
	{ 'd', "disk", "DISK", "only this disk (vda, or MAJ:MIN)" },
	{ 0 },
};

struct bio_proc {
	int pid;
	char kind;			/* R, W, F (flush), D (discard), ... */
	uint32_t dev;
	char comm[16];
	uint64_t io, bytes, ns;
};

struct biotop {
	struct biopair b;		/* first: the block callbacks find it there */
	bool noclear;
	int maxrows;
	const char *disk;
	struct ks_map *procs;		/* pid, direction, disk -> struct bio_proc */
};

static int biotop_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
		      struct ks_err *err)
{
	struct biotop *t = priv;

	switch (key) {
	case 'C':
		t->noclear = true;
		return 0;
	case 'r':
		if (ks_parse_int_range(arg, 1, 1 << 20, &t->maxrows))
			return ks_err_set(err, -EINVAL, "bad -r '%s' (rows)", arg);
		return 0;
	case 'd':
		t->disk = arg;
		return 0;
	}
	return -EINVAL;
}

static void on_done(struct ks_analysis *a, void *priv, const struct bio_done *d)
{
	struct biotop *t = priv;
	const struct bio_rq *rq = d->rq;
	unsigned int op = rq->flags & BIO_OP_MASK;
	/* The process, as bcc counts (its threads together). */
	int pid = ks_analysis_tgid(a, rq->pid);
	/* pid_max is at most 2^22: pid, kind and dev_t fit one key. */
	uint64_t key = ((uint64_t)d->dev << 25) | ((uint64_t)(op & 7) << 22) |
		       ((uint64_t)pid & ((1u << 22) - 1));
	bool added;
	struct bio_proc *p = ks_map_get(t->procs, key, &added);

	if (!p)
		return;
	if (added) {
		p->pid = pid;
		p->kind = biopair_kind(rq->flags);
		p->dev = d->dev;
	}
	/* The name it has now: one that exec'd in the interval shows its new name. */
	memcpy(p->comm, rq->comm, sizeof(p->comm));
	p->io++;
	p->bytes += rq->bytes;
	p->ns += d->ts > rq->issue ? d->ts - rq->issue : 0;
}

static int biotop_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct biotop *t = priv;

	if (!t->maxrows)
		t->maxrows = 20;
	t->procs = ks_analysis_map(a, sizeof(struct bio_proc));
	if (!t->procs)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return biopair_setup(&t->b, a, BIOPAIR_SUBMITTER, t->disk, on_done, err);
}

struct proc_list {
	const struct bio_proc **v;
	size_t n;
};

static int collect(void *arg, uint64_t key, void *value)
{
	struct proc_list *l = arg;

	l->v[l->n++] = value;
	return 0;
}

/* The most kilobytes first, as bcc sorts; then by pid, for a stable order. */
static int by_bytes(const void *x, const void *y)
{
	const struct bio_proc *a = *(const struct bio_proc *const *)x;
	const struct bio_proc *b = *(const struct bio_proc *const *)y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* bcc's first line, live: the time and /proc/loadavg, then a blank line (text). */
static void print_loadavg(struct ks_analysis *a)
{
	char *text = NULL, stamp[16];
	time_t now = time(NULL);
	struct tm tm;

	if (ks_analysis_offline(a) || ks_read_file("/proc/loadavg", &text, NULL))
		return;
	text[strcspn(text, "\n")] = 0;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	ks_analysis_note(a, "%-8s loadavg: %s", stamp, text);
	if (!ks_analysis_json(a))
		ks_analysis_note(a, "%s", "");
	free(text);
}

static void biotop_report(struct ks_analysis *a, void *priv, bool final)
{
	static const struct ks_col cols[] = {
		{ "PID", KS_COL_U64, 7, true, 0 },
		{ "COMM", KS_COL_STR, 16, true, 0 },
		{ "D", KS_COL_STR, 1, true, 0 },
		{ "MAJ", KS_COL_U64, 3, true, 0 },
		{ "MIN", KS_COL_U64, 3, true, 0 },
		{ "DISK", KS_COL_STR, 8, true, 0 },
		{ "I/O", KS_COL_U64, 5, false, 0 },
		{ "Kbytes", KS_COL_U64, 7, false, 0 },
		{ "AVGms", KS_COL_F64, 6, false, 2 },
	};
	struct biotop *t = priv;
	struct proc_list l = { calloc(ks_map_count(t->procs) + 1, sizeof(*l.v)), 0 };
	char disk[32], kind[2] = "";
	size_t i;

	if (!l.v)
		return;
	ks_map_for_each(t->procs, collect, &l);
	qsort(l.v, l.n, sizeof(*l.v), by_bytes);
	if (!t->noclear)
		ks_analysis_clear_screen(a);
	print_loadavg(a);
	ks_analysis_table(a, cols, (int)KS_ARRAY_SIZE(cols));
	for (i = 0; i < l.n && i < (size_t)t->maxrows; i++) {
		const struct bio_proc *p = l.v[i];
		union ks_cell c[] = {
			{ .u = (uint64_t)p->pid }, { .s = p->comm[0] ? p->comm : "?" },
			{ .s = kind }, { .u = bio_major(p->dev) },
			{ .u = bio_minor(p->dev) },
			{ .s = biopair_disk(&t->b, p->dev, disk, sizeof(disk)) },
			{ .u = p->io }, { .u = p->bytes / 1024 },
			{ .f = p->io ? (double)p->ns / 1e6 / (double)p->io : 0 },
		};

		kind[0] = p->kind;
		ks_analysis_row(a, c);
	}
	ks_analysis_table_end(a);
	free(l.v);
	if (!final)
		ks_map_clear(t->procs);
}

static void biotop_free(void *priv)
{
	biopair_free(priv);
}

const struct ks_plugin ks_plugin_biotop = {
	.name = "biotop",
	.summary = "block I/O per process, the busiest first, every interval (default 1 s)",
	.peer = "bcc biotop",
	.usage = "[-C] [-r MAXROWS] [-d DISK] [options] [interval [count]] [-- command [args]]",
	.description = "Show which processes do block I/O, like bcc's biotop: per process,\n"
		       "kind (R, W, F flush, D discard) and disk, the I/Os completed in each\n"
		       "interval, their kilobytes and average latency from issue to completion,\n"
		       "from the block tracepoints (no eBPF). The screen is cleared between\n"
		       "intervals when the output is a terminal (-C: never). -d here names a\n"
		       "disk: the duration is --duration.",
	.tracing = "Tracing block I/O per process, every interval",
	.needs = "block:block_rq_issue, block:block_rq_complete",
	.opts = biotop_opts,
	.flags = KS_PLUGIN_SYSTEM,
	.default_interval = 1,
	.priv_size = sizeof(struct biotop),
	.opt = biotop_opt,
	.setup = biotop_setup,
	.report = biotop_report,
	.free = biotop_free,
};

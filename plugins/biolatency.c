// SPDX-License-Identifier: GPL-2.0-only
/*
 * biolatency: block I/O latency as a histogram (bcc's biolatency), from the time a
 * request is issued to the device (with -Q: submitted) to its completion, over all
 * disks, per disk (-D) or per kind of request (-F). Requests are followed by
 * biopair.c from the block tracepoints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biopair.h"
#include "kscope/plugins/plugins.h"

static const struct ks_opt biolatency_opts[] = {
	{ 'Q', "queued", NULL, "include the time queued in the kernel before the device" },
	{ 'm', "milliseconds", NULL, "the histogram in milliseconds" },
	{ 'D', "disks", NULL, "a histogram per disk" },
	{ 'F', "flags", NULL, "a histogram per kind of request (Read, Sync-Write, ...)" },
	{ 'e', "extension", NULL, "the average, total and count under each histogram" },
	{ 'd', "disk", "DISK", "only this disk (vda, or MAJ:MIN)" },
	{ 0 },
};

struct biolatency {
	struct biopair b;		/* first: the block callbacks find it there */
	bool queued, msecs, per_disk, per_flags, extra;
	const char *disk;
	struct ks_log2 all;
	struct ks_map *per_key;		/* dev_t or BIO_* flags -> struct ks_log2 */
};

static int biolatency_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
			  struct ks_err *err)
{
	struct biolatency *l = priv;

	switch (key) {
	case 'Q':
		l->queued = true;
		return 0;
	case 'm':
		l->msecs = true;
		return 0;
	case 'D':
		l->per_disk = true;
		return 0;
	case 'F':
		l->per_flags = true;
		return 0;
	case 'e':
		l->extra = true;
		return 0;
	case 'd':
		l->disk = arg;
		return 0;
	}
	return -EINVAL;
}

static void on_done(struct ks_analysis *a, void *priv, const struct bio_done *d)
{
	struct biolatency *l = priv;
	uint64_t start = l->queued && d->rq->submit ? d->rq->submit : d->rq->issue, delta;
	struct ks_log2 *h;

	delta = d->ts >= start ? (d->ts - start) / (l->msecs ? 1000000 : 1000) : 0;
	if (!l->per_disk && !l->per_flags) {
		ks_log2_add(&l->all, delta);
		return;
	}
	/* Kinds as bcc names them, which do not tell a preflush. */
	h = ks_map_get(l->per_key, l->per_disk ? d->dev : d->rq->flags & ~BIO_PREFLUSH, NULL);
	if (h)
		ks_log2_add(h, delta);
}

static int biolatency_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct biolatency *l = priv;

	if (l->per_disk && l->per_flags)
		return ks_err_set(err, -EINVAL, "-D and -F exclude each other");
	l->per_key = ks_analysis_map(a, sizeof(struct ks_log2));
	if (!l->per_key)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return biopair_setup(&l->b, a, l->queued ? BIOPAIR_QUEUE : 0, l->disk, on_done, err);
}

static const char *disk_name(void *arg, uint64_t key, char *buf, size_t size)
{
	return biopair_disk(arg, (uint32_t)key, buf, size);
}

static const char *flags_name(void *arg, uint64_t key, char *buf, size_t size)
{
	return biopair_flags_name((unsigned int)key, buf, size);
}

static void biolatency_report(struct ks_analysis *a, void *priv, bool final)
{
	struct biolatency *l = priv;
	const char *unit = l->msecs ? "msecs" : "usecs";

	if (l->per_disk) {
		ks_analysis_hists_named(a, l->per_key, "disk", disk_name, &l->b, true, unit,
					l->extra);
	} else if (l->per_flags) {
		ks_analysis_hists_named(a, l->per_key, "flags", flags_name, NULL, false, unit,
					l->extra);
	} else {
		ks_analysis_hist(a, NULL, NULL, unit, &l->all);
		if (l->extra)
			ks_analysis_hist_summary(a, unit, &l->all);
	}
	if (!final) {
		memset(&l->all, 0, sizeof(l->all));
		ks_map_clear(l->per_key);
	}
}

static void biolatency_free(void *priv)
{
	biopair_free(priv);
}

const struct ks_plugin ks_plugin_biolatency = {
	.name = "biolatency",
	.summary = "block I/O latency as a histogram, over all disks, per disk or per kind",
	.peer = "bcc biolatency",
	.usage = "[-Q] [-m] [-D | -F] [-e] [-d DISK] [options] [interval [count]]\n"
		 "                      [-- command [args]]",
	.description = "Summarize how long block I/O requests take from their issue to the\n"
		       "device (with -Q: from their submission) to their completion, as a\n"
		       "power-of-two histogram, like bcc's biolatency, from the block_rq_issue\n"
		       "and block_rq_complete tracepoints (no eBPF). -d here names a disk: the\n"
		       "duration is --duration.",
	.tracing = "Tracing block device I/O",
	.needs = "block:block_rq_issue, block:block_rq_complete",
	.opts = biolatency_opts,
	.flags = KS_PLUGIN_SYSTEM,
	.priv_size = sizeof(struct biolatency),
	.opt = biolatency_opt,
	.setup = biolatency_setup,
	.report = biolatency_report,
	.free = biolatency_free,
};

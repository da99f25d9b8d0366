// SPDX-License-Identifier: GPL-2.0-only
/* Profiles and folded stacks read for kscope flame, into stacks or a sample writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/output/flamein.h"
#include "kscope/output/proffold.h"
#include "kscope/tracedat/tracedat.h"

#define FLAMEIN_PROGRESS_MIN (32u << 20)	/* profiles smaller than this read silently */

/* Where a profile's samples go: exactly one of these. */
struct sink {
	struct ks_stacks *stacks;
	struct ks_proffold *fold;
	struct ks_profagg *agg;
	struct ks_pprof *pprof;
	struct ks_speedscope *speedscope;
	bool in_us;
	struct ks_prof_loc *scratch;	/* a sample's frames after --kernel-only/--user-only */
	struct ks_err *err;
};

const char *ks_flamein_name(const char *path)
{
	return !path || !strcmp(path, "-") ? "standard input" : path;
}

static int fold_one(void *arg, const struct ks_prof_sample *s, uint64_t w)
{
	struct sink *k = arg;

	return ks_proffold_add(k->fold, k->stacks, s, w, k->err);
}

static int sink_sample(const struct ks_flamein_opts *o, const struct ks_prof_info *in,
		       struct sink *k, const struct ks_prof_sample *s)
{
	struct ks_prof_sample f = *s;
	unsigned int i;

	if (k->stacks) {
		uint64_t w = ks_prof_weight(in, s, k->in_us);

		if (s->stack_id != KS_PROF_NO_STACK)
			return ks_profagg_add(k->agg, s, w) ?
				ks_err_set(k->err, -ENOMEM, "out of memory") : 0;
		return w ? fold_one(k, s, w) : 0;
	}
	/* pprof and speedscope see the frames --kernel-only / --user-only keep. */
	if (o->frames & (KS_STACKS_KERNEL_ONLY | KS_STACKS_USER_ONLY)) {
		bool kern = o->frames & KS_STACKS_KERNEL_ONLY;

		f.nlocs = 0;
		f.locs = k->scratch;
		for (i = 0; i < s->nlocs && f.nlocs < 1024; i++)
			if (s->locs[i].kernel == kern)
				k->scratch[f.nlocs++] = s->locs[i];
		if (!f.nlocs)
			return 0;
	}
	return k->pprof ? ks_pprof_add(k->pprof, &f, k->err) :
			  ks_speedscope_add(k->speedscope, &f, k->err);
}

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
static int sink_types(const struct ks_prof_info *in, bool on, bool off, struct sink *k)
{
	uint64_t period = in->freq ? 1000000000ull / in->freq : in->period;
	int counting, ret;
	bool ns = !on || on_cpu_in_ns(in, &counting);

	if (on && off && !ns)
		return ks_err_set(k->err, -EINVAL, "off-CPU time and on-CPU event counts do not "
				  "add up: pick --on-cpu or --off-cpu");
	if (k->speedscope)
		return ks_speedscope_set_unit(k->speedscope, ns ? "nanoseconds" : "none", k->err);
	if (off && !on)
		ret = ks_pprof_new(&k->pprof, "off_cpu", "nanoseconds", 0, k->err);
	else if (off)
		ret = ks_pprof_new(&k->pprof, "wall", "nanoseconds", 0, k->err);
	else if (ns)
		ret = ks_pprof_new(&k->pprof, "cpu", "nanoseconds", period, k->err);
	else
		ret = ks_pprof_new(&k->pprof, counting >= 0 ? in->event[counting] : "events",
				   "count", in->freq ? 0 : in->period, k->err);
	if (!ret && in->start_epoch_ns)
		ks_pprof_set_time(k->pprof, in->start_epoch_ns);
	return ret;
}

static void report_missing(const struct ks_flamein_opts *o, struct ks_prof *p, const char *name,
			   struct ks_flamein_info *info)
{
	const char *path, *why;
	unsigned int i;

	for (i = 0; !ks_prof_missing(p, i, &path, &why); i++)
		if (i < KS_FLAMEIN_MISSING_SHOWN && o->missing)
			o->missing(o->arg, name, path, why);
	info->missing = i;
}

/* Which samples the filters leave, and the sink's setup for them. */
static int begin_profile(const struct ks_flamein_opts *o, const struct ks_prof_info *in,
			 const char *name, struct sink *k, struct ks_flamein_info *info)
{
	bool off = in->offcpu_event >= 0 && !o->filter.on_cpu;
	bool on = in->nevents > (in->offcpu_event >= 0) && !o->filter.off_cpu;

	if (!on && !off)
		return ks_err_set(k->err, -EINVAL, "%s: no %s samples in this profile", name,
				  o->filter.on_cpu ? "on-CPU" : "off-CPU");
	info->profile = true;
	if (!k->stacks)
		return sink_types(in, on, off, k);
	k->in_us = info->in_us = off;
	k->fold = ks_proffold_new(o->fold_flags);
	k->agg = ks_profagg_new(o->fold_flags & KS_PROFFOLD_PID);
	if (!k->fold || !k->agg)
		return ks_err_set(k->err, -ENOMEM, "out of memory");
	return 0;
}

/* Read a kscope profile (from @path, or from @data already read) into @k. */
static int load_profile(const struct ks_flamein_opts *o, const char *path, const char *data,
			size_t len, struct sink *k, struct ks_flamein_info *info)
{
	const char *name = ks_flamein_name(path);
	struct ks_prof_sample smp;
	struct ks_prof *p = NULL;
	uint64_t done, total, last = 0;
	bool progress;
	int ret;

	ret = data ? ks_prof_open_mem(data, len, &o->prof, &p, k->err) :
		     ks_prof_open(path, &o->prof, &p, k->err);
	if (ret) {
		if (ret == -ENOMEM)
			return ret;
		/* Whatever went wrong opening it, it is the input that is bad. */
		ks_err_prefix(k->err, ret, "%s", name);
		return ks_err_mark_input(k->err, -EINVAL);
	}
	ret = begin_profile(o, ks_prof_info(p), name, k, info);
	if (ret)
		goto out;
	ks_prof_progress(p, &done, &total);
	progress = o->progress && total > FLAMEIN_PROGRESS_MIN;
	while ((ret = ks_prof_next(p, &smp)) > 0) {
		if (!ks_prof_filter_test(&o->filter, &smp))
			continue;
		info->samples++;
		ret = sink_sample(o, ks_prof_info(p), k, &smp);
		if (ret)
			goto out;
		if (progress && !(info->samples & 1023)) {
			ks_prof_progress(p, &done, &total);
			if (done * 100 / total != last) {
				last = done * 100 / total;
				o->progress(o->arg, name, done, total);
			}
		}
	}
	/* The aggregated stacks are folded before the reader (which owns their frames) closes. */
	if (ret >= 0 && k->agg) {
		ret = ks_profagg_for_each(k->agg, fold_one, k);
		if (ret)
			goto out;
	}
	if (ret < 0) {
		ks_prof_progress(p, &done, &total);
		ret = ks_err_set(k->err, -EINVAL, "%s: corrupted at %llu bytes into its samples",
				 name, (unsigned long long)done);
		goto out;
	}
	info->lost += ks_prof_stats(p)->lost;
	report_missing(o, p, name, info);
	if (!info->samples)
		ret = ks_err_set(k->err, -EINVAL, "%s: no samples left after the filters", name);
out:
	ks_profagg_free(k->agg);
	k->agg = NULL;
	ks_proffold_free(k->fold);
	k->fold = NULL;
	ks_prof_close(p);
	return ret;
}

static int load_folded(const char *name, const char *data, size_t len, struct ks_stacks *s,
		       struct ks_err *err)
{
	struct ks_folded_report rep;
	char more[64] = "";
	int ret;

	ret = ks_stacks_parse_folded(s, data, len, &rep, err);
	if (ret)
		return ret;
	if (rep.bad) {
		if (rep.bad > 1)
			snprintf(more, sizeof(more), " (and %llu more bad lines)",
				 (unsigned long long)rep.bad - 1);
		return ks_err_set(err, -EINVAL, "%s: line %llu: %s%s", name,
				  (unsigned long long)rep.first_bad, rep.why, more);
	}
	if (!ks_stacks_total(s))
		return ks_err_set(err, -EINVAL, "%s: no stacks with samples (expected folded "
				  "lines such as 'main;f;g 12')", name);
	return 0;
}

/* A profile or folded text from @path ('-' or NULL: standard input) into @k. */
static int load(const struct ks_flamein_opts *o, const char *path, struct sink *k,
		struct ks_flamein_info *info)
{
	const char *name = ks_flamein_name(path);
	bool stdin_ = !path || !strcmp(path, "-");
	char *data = NULL;
	size_t len = 0;
	int ret;

	memset(info, 0, sizeof(*info));
	k->scratch = calloc(1024, sizeof(*k->scratch));
	if (!k->scratch)
		return ks_err_set(k->err, -ENOMEM, "out of memory");
	/* A profile file is mapped by its reader, not read into memory. */
	if (!stdin_ && ks_tdat_file_is_tracedat(path) > 0) {
		ret = load_profile(o, path, NULL, 0, k, info);
		goto out;
	}
	ret = stdin_ ? ks_read_fd(STDIN_FILENO, &data, &len) : ks_read_file(path, &data, &len);
	if (ret) {
		ret = ks_err_input(k->err, ret, "cannot read %s: %s", name, strerror(-ret));
		goto out;
	}
	if (ks_tdat_is_tracedat(data, len))
		ret = load_profile(o, path, data, len, k, info);
	else if (!k->stacks)
		ret = ks_err_set(k->err, -EINVAL, "%s: folded stacks have no addresses: pprof and "
				 "speedscope need a kscope profile", name);
	else
		ret = load_folded(name, data, len, k->stacks, k->err);
out:
	free(data);
	free(k->scratch);
	k->scratch = NULL;
	return ret;
}

int ks_flamein_stacks(const struct ks_flamein_opts *o, const char *path, struct ks_stacks *s,
		      struct ks_flamein_info *info, struct ks_err *err)
{
	struct sink k = { .stacks = s, .err = err };

	return load(o, path, &k, info);
}

int ks_flamein_pprof(const struct ks_flamein_opts *o, const char *path, struct ks_pprof **out,
		     struct ks_flamein_info *info, struct ks_err *err)
{
	struct sink k = { .err = err };
	int ret = load(o, path, &k, info);

	if (ret) {
		ks_pprof_free(k.pprof);
		k.pprof = NULL;
	}
	*out = k.pprof;
	return ret;
}

int ks_flamein_speedscope(const struct ks_flamein_opts *o, const char *path, const char *title,
			  struct ks_speedscope **out, struct ks_flamein_info *info,
			  struct ks_err *err)
{
	struct sink k = { .err = err };
	int ret;

	*out = NULL;
	ret = ks_speedscope_new(&k.speedscope, title ? title : ks_flamein_name(path), err);
	if (!ret)
		ret = load(o, path, &k, info);
	if (ret) {
		ks_speedscope_free(k.speedscope);
		return ret;
	}
	*out = k.speedscope;
	return 0;
}

/* Replace *@s by its filtered form; -EINVAL if nothing is left. */
static int transform(struct ks_stacks **s, unsigned int flags, const char *path, bool need_left,
		     const char *why, struct ks_err *err)
{
	const char *what = flags & KS_STACKS_KERNEL_ONLY ? "--kernel-only" : "--user-only";
	struct ks_stacks *t;
	int ret;

	ret = ks_stacks_transform(*s, flags, &t, err);
	if (ret)
		return ret;
	ks_stacks_free(*s);
	*s = t;
	if (need_left && !ks_stacks_total(t))
		return ks_err_set(err, -EINVAL, "%s: no samples left after %s%s",
				  ks_flamein_name(path), what, why);
	return 0;
}

int ks_flamein_prepare(struct ks_stacks **cur, const char *cur_path, struct ks_stacks **base,
		       const char *base_path, unsigned int flags, bool normalize,
		       struct ks_err *err)
{
	struct ks_stacks *t;
	int ret;

	if (flags) {
		ret = transform(cur, flags, cur_path, true, "", err);
		if (ret)
			return ret;
	}
	if (!base || !*base)
		return 0;
	if (flags) {
		ret = transform(base, flags, base_path, normalize, " to normalize", err);
		if (ret)
			return ret;
	}
	ret = ks_stacks_diff(*base, *cur, normalize, &t, err);
	if (ret)
		return ret;
	ks_stacks_free(*cur);
	*cur = t;
	return 0;
}

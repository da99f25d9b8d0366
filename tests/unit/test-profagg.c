// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: which profile samples count (filters), what each weighs, samples of
 * one stack added up, and what kscope flame reads (folded stacks, profile magic) and
 * makes of it (--kernel-only, --diff).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "kscope/output/flamein.h"
#include "kscope/profile/profagg.h"
#include "kscope/tracedat/tracedat.h"
#include "tap.h"

static struct ks_prof_sample sample(int pid, const char *comm, bool offcpu, uint32_t stack,
				    uint64_t weight)
{
	struct ks_prof_sample s = { .pid = pid, .tid = pid, .comm = comm, .offcpu = offcpu,
				    .state = offcpu ? 'S' : 0, .stack_id = stack,
				    .weight = weight, .event = offcpu ? 1 : 0 };

	return s;
}

static void test_filter(void)
{
	const int pids[] = { 10, 20 };
	const char *comms[] = { "nginx*", "redis" };
	struct ks_prof_filter f = { 0 };
	struct ks_prof_sample a = sample(10, "nginx-worker", false, 1, 0);
	struct ks_prof_sample b = sample(30, "redis", true, 2, 0);

	ok(ks_prof_filter_test(&f, &a) && ks_prof_filter_test(&f, &b), "no filter: all");
	f.pids = pids;
	f.npids = 2;
	ok(ks_prof_filter_test(&f, &a) && !ks_prof_filter_test(&f, &b), "by pid");
	f.npids = 0;
	f.comms = comms;
	f.ncomms = 2;
	ok(ks_prof_filter_test(&f, &a) && ks_prof_filter_test(&f, &b), "by comm globs");
	f.on_cpu = true;
	ok(ks_prof_filter_test(&f, &a) && !ks_prof_filter_test(&f, &b), "on-CPU only");
	f.on_cpu = false;
	f.off_cpu = true;
	ok(!ks_prof_filter_test(&f, &a) && ks_prof_filter_test(&f, &b), "off-CPU only");
}

static void test_weight(void)
{
	struct ks_prof_info in = { .freq = 99, .nevents = 2, .offcpu_event = 1,
				   .event_clock = { false, false } };
	struct ks_prof_sample on = sample(1, "a", false, 1, 123456);
	struct ks_prof_sample off = sample(1, "a", true, 1, 2500);

	ok(ks_prof_weighs_time(&in), "a profile with off-CPU stacks weighs time");
	is_int(ks_prof_weight(&in, &on, false), 1, "counting samples: 1");
	is_int(ks_prof_weight(&in, &off, false), 1, "... off-CPU ones too");
	is_int(ks_prof_weight(&in, &on, true), 1000000 / 99, "on-CPU in us: one interval");
	is_int(ks_prof_weight(&in, &off, true), 3, "off-CPU in us: its ns, rounded");
	in.freq = 0;
	is_int(ks_prof_weight(&in, &on, true), 123456, "at a period: the sample's own");
	in.event_clock[0] = true;
	is_int(ks_prof_weight(&in, &on, true), 123, "a clock event: its ns in us");
	in.offcpu_event = -1;
	ok(!ks_prof_weighs_time(&in), "on-CPU only: counts");
}

struct seen {
	uint64_t total;
	int entries;
	uint64_t w[8];
};

static int collect(void *arg, const struct ks_prof_sample *s, uint64_t w)
{
	struct seen *z = arg;

	z->total += w;
	if (z->entries < 8)
		z->w[z->entries] = w;
	z->entries++;
	return 0;
}

static int stop_at_first(void *arg, const struct ks_prof_sample *s, uint64_t w)
{
	return -ECANCELED;
}

static void test_agg(void)
{
	static const char *ngx = "nginx", *other = "other";
	struct ks_profagg *g = ks_profagg_new(false), *gp = ks_profagg_new(true);
	struct ks_prof_sample s1 = sample(1, ngx, false, 5, 0), s2 = sample(2, ngx, false, 5, 0);
	struct ks_prof_sample s3 = sample(1, other, false, 5, 0), s4 = sample(1, ngx, true, 5, 0);
	struct ks_prof_sample s5 = sample(1, ngx, false, 70000, 0);
	struct ks_prof_sample lone = sample(1, ngx, false, KS_PROF_NO_STACK, 0);
	struct seen z = { 0 };

	ok(g && gp, "aggregations");
	ok(!ks_profagg_add(g, &s1, 2) && !ks_profagg_add(g, &s2, 3) && !ks_profagg_add(g, &s3, 4) &&
	   !ks_profagg_add(g, &s4, 5) && !ks_profagg_add(g, &s5, 6) && !ks_profagg_add(g, &s1, 1),
	   "samples added");
	is_int(ks_profagg_count(g), 4, "one entry per stack, name and state (not per pid)");
	ks_profagg_for_each(g, collect, &z);
	ok(z.total == 21 && z.entries == 4 && z.w[0] == 6 && z.w[1] == 4 && z.w[2] == 5 &&
	   z.w[3] == 6, "weights summed, in first-seen order");
	is_int(ks_profagg_add(g, &lone, 1), -EINVAL, "a stack of its own is not aggregated");
	is_int(ks_profagg_for_each(g, stop_at_first, NULL), -ECANCELED, "a callback can stop it");
	ks_profagg_add(gp, &s1, 1);
	ks_profagg_add(gp, &s2, 1);
	is_int(ks_profagg_count(gp), 2, "by pid: one entry per process");
	ks_profagg_free(g);
	ks_profagg_free(gp);
}

/* A file with @text; its path in @path. */
static void put(char *path, const char *text)
{
	int fd = mkstemp(path);

	if (fd >= 0) {
		ks_write_all(fd, text, strlen(text));
		close(fd);
	}
}

static void test_flamein(void)
{
	char cur_path[] = "/tmp/kscope-unit-XXXXXX", base_path[] = "/tmp/kscope-unit-XXXXXX";
	char bad_path[] = "/tmp/kscope-unit-XXXXXX";
	struct ks_flamein_opts o = { 0 };
	struct ks_flamein_info info;
	struct ks_stacks *cur = ks_stacks_new(), *base = ks_stacks_new();
	struct ks_stacks_weight w;
	struct ks_pprof *pp;
	struct ks_err err = { 0 };
	const char *leaf[] = { "main", "read_[k]" };
	int ret;

	ok(ks_tdat_is_tracedat("\x17\x08\x44tracing6", 10), "a trace.dat's magic");
	ok(!ks_tdat_is_tracedat("main;f 1\n", 9) && !ks_tdat_is_tracedat("\x17", 1),
	   "folded text and a short file are not");
	put(cur_path, "main;work 30\nmain;read_[k] 10\n");
	put(base_path, "main;work 10\nmain;read_[k] 10\n");
	put(bad_path, "main;work 3x\n");
	ret = ks_flamein_stacks(&o, cur_path, cur, &info, &err);
	ok(!ret && !info.profile && ks_stacks_total(cur) == 40, "folded stacks read: %s",
	   ret ? err.msg : "40 samples");
	ret = ks_flamein_stacks(&o, base_path, base, &info, &err);
	ok(!ret && ks_stacks_total(base) == 20, "the base too");
	ret = ks_flamein_prepare(&cur, cur_path, &base, base_path, KS_STACKS_KERNEL_ONLY, false,
				 &err);
	ok(!ret && ks_stacks_total(cur) == 10 && ks_stacks_is_diff(cur),
	   "kernel frames only, then the difference");
	ok(!ks_stacks_lookup(cur, leaf + 1, 1, &w) && w.total == 10 && w.base_total == 10,
	   "read_[k] unchanged: 10 and 10");
	ks_stacks_free(cur);
	ks_stacks_free(base);
	cur = ks_stacks_new();
	ks_stacks_parse_folded(cur, "main 5\n", 7, &(struct ks_folded_report){ 0 }, &err);
	ret = ks_flamein_prepare(&cur, "x.folded", NULL, NULL, KS_STACKS_KERNEL_ONLY, false, &err);
	ok(ret == -EINVAL && strstr(err.msg, "x.folded: no samples left after --kernel-only"),
	   "nothing left: %s", err.msg);
	ks_stacks_free(cur);
	cur = ks_stacks_new();
	ret = ks_flamein_stacks(&o, bad_path, cur, &info, &err);
	ok(ret == -EINVAL && ks_err_exit(ret, &err) == KS_EXIT_USAGE && strstr(err.msg, "line 1"),
	   "a bad line is bad input: %s", err.msg);
	ret = ks_flamein_stacks(&o, "/nonexistent/x.folded", cur, &info, &err);
	ok(ret == -ENOENT && ks_err_exit(ret, &err) == KS_EXIT_USAGE,
	   "a missing file is bad input: %s", err.msg);
	ret = ks_flamein_pprof(&o, cur_path, &pp, &info, &err);
	ok(ret == -EINVAL && !pp && strstr(err.msg, "pprof and speedscope need a kscope profile"),
	   "folded stacks cannot become pprof");
	(void)leaf;
	ks_stacks_free(cur);
	unlink(cur_path);
	unlink(base_path);
	unlink(bad_path);
}

int main(void)
{
	test_filter();
	test_weight();
	test_agg();
	test_flamein();
	return tap_done();
}

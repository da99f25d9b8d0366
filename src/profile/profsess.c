// SPDX-License-Identifier: GPL-2.0-only
/*
 * A profiling session: the target (CPUs, threads, a command), the perf events and
 * their rings, the loop that reads them until the target ends, and the trace.dat
 * written at the end. new (target, events, rings) -> run (read rings) -> write.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kscope/base/parse.h"
#include "kscope/kernel/evsel.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/session.h"
#include "kscope/profile/profsess.h"
#include "kscope/profile/unwind.h"

struct ks_profsess {
	struct ks_profsess_opts o;
	struct ks_err *err;
	const char *tracefs;
	struct ks_perf_evspec events[KS_PROFSESS_MAX_EVENTS + 1];
	int nevents;
	int offcpu_event;		/* index of sched_switch, or -1 */
	bool cycles_fallback;
	int *cpus, ncpus, ncpus_kernel;
	int *tids, ntids;
	struct ks_perf *perf;
	struct ks_profrec *rec;
	struct ks_outfile out;
	struct ks_run run;
	bool run_active;
	char machine[65];
	uint64_t regs_mask;
	const char *clock;
	uint64_t start_ns, stop_ns;
	uint64_t start_epoch_ns;	/* wall clock at start_ns */
};

static int setup_cpus(struct ks_profsess *s)
{
	int ret;

	s->ncpus_kernel = ks_proc_ncpus();
	if (s->o.cpu_list) {
		ret = ks_parse_cpu_list(s->o.cpu_list, s->ncpus_kernel, &s->cpus, &s->ncpus);
		if (ret)
			return ks_err_set(s->err, ret, "bad CPU list '%s' (this machine has CPUs "
					  "0-%d)", s->o.cpu_list, s->ncpus_kernel - 1);
	} else {
		ret = ks_proc_cpus_online(&s->cpus, &s->ncpus);
		if (ret)
			return ks_err_runtime(s->err, ret, "cannot read the online CPUs");
	}
	return s->ncpus ? 0 : ks_err_set(s->err, -EINVAL, "no CPU to profile");
}

/* Every thread of the processes, which must exist now. */
static int setup_tids(struct ks_profsess *s)
{
	int i, ret;

	for (i = 0; i < s->o.npids; i++) {
		/* Everything is sampled: the processes only say when to stop. */
		if (s->o.all_cpus) {
			if (!ks_pid_alive(s->o.pids[i]))
				return ks_err_set(s->err, -ESRCH, "no process with pid %d",
						  s->o.pids[i]);
			continue;
		}
		ret = ks_proc_threads(s->o.pids[i], &s->tids, &s->ntids);
		if (ret == -ESRCH)
			return ks_err_set(s->err, ret, "no process with pid %d", s->o.pids[i]);
		if (ret)
			return ks_err_set(s->err, ret, "out of memory");
	}
	return 0;
}

/* The events: the user's, or cycles (cpu-clock without a PMU); off-CPU adds sched_switch. */
static int setup_events(struct ks_profsess *s)
{
	static const char *const cycles[] = { "cycles" };
	const char *const *names = s->o.events;
	int n = s->o.nevents, i, ret;

	if (n > KS_PROFSESS_MAX_EVENTS)
		return ks_err_set(s->err, -EINVAL, "at most %d events", KS_PROFSESS_MAX_EVENTS);
	if (!n && !s->o.offcpu) {
		names = cycles;
		n = 1;
	}
	s->offcpu_event = -1;
	for (i = 0; i < n; i++) {
		ret = ks_perf_parse_event(names[i], s->tracefs, &s->events[s->nevents], s->err);
		if (ret)
			return ret;
		s->nevents++;
	}
	s->cycles_fallback = ks_perf_fallback_cycles(s->events, s->nevents);
	if (s->o.offcpu) {
		ret = ks_perf_parse_event(KS_PROFSESS_OFFCPU_EVENT, s->tracefs,
					  &s->events[s->nevents], s->err);
		if (ret)
			return ks_err_prefix(s->err, ret, "off-CPU stacks need the %s tracepoint",
					     KS_PROFSESS_OFFCPU_EVENT);
		/* Every switch: a missed one would merge two blocked intervals. */
		s->events[s->nevents].period = 1;
		s->offcpu_event = s->nevents++;
	}
	return 0;
}

static bool needs_tracefs(const struct ks_profsess *s)
{
	int i;

	for (i = 0; i < s->o.nevents; i++)
		if (ks_perf_event_is_tracepoint(s->o.events[i]))
			return true;
	return s->o.offcpu;
}

static int open_perf(struct ks_profsess *s)
{
	struct ks_perf_opts po = {
		.events = s->events, .nevents = s->nevents,
		.freq = s->o.count ? 0 : s->o.freq, .period = s->o.count,
		.callgraph = s->o.cg, .stack_size = s->o.stack_size, .regs_mask = s->regs_mask,
		.cpus = s->cpus, .ncpus = s->ncpus, .tids = s->tids, .ntids = s->ntids,
		.enable_on_exec = s->o.cmd && !s->o.all_cpus,
		/*
		 * Off-CPU time ends when the thread runs again: PERF_RECORD_SWITCH(_CPU_WIDE)
		 * says when. sched_switch samples cannot: the kernel takes none when the idle
		 * task is the one leaving, which is how most sleepers come back.
		 */
		.context_switch = s->o.offcpu,
		.build_id = true, .use_clockid = true, .allow_user_only = !s->o.all_cpus,
		.mmap_pages = s->o.mmap_pages,
	};
	int ret;

	ret = ks_perf_open(&s->perf, &po, s->err);
	if (ret)
		return ret;
	s->clock = ks_perf_uses_clockid(s->perf) ? "mono" : "perf";
	return 0;
}

int ks_profsess_new(struct ks_profsess **out, const struct ks_profsess_opts *o,
		    struct ks_err *err)
{
	struct ks_profsess *s = calloc(1, sizeof(*s));
	struct utsname u;
	char dir[PATH_MAX];
	int ret;

	*out = NULL;
	if (!s)
		return ks_err_set(err, -ENOMEM, "out of memory");
	s->o = *o;
	s->err = err;
	s->out.fd = -1;
	*out = s;
	/* Only tracepoints need tracefs: profiles without them work unprivileged too. */
	s->tracefs = ks_tracefs_dir(err);
	if (!s->tracefs && needs_tracefs(s))
		return -EACCES;
	ret = setup_cpus(s) ?: setup_tids(s) ?: setup_events(s);
	if (ret)
		return ret;
	if (!uname(&u))
		snprintf(s->machine, sizeof(s->machine), "%s", u.machine);
	if (o->cg == KS_PERF_CG_DWARF) {
		s->regs_mask = ks_unwind_regs_mask(s->machine);
		if (!s->regs_mask)
			return ks_err_set(err, -EOPNOTSUPP, "--call-graph dwarf: kscope cannot "
					  "unwind %s stacks; use -g (frame pointers)", s->machine);
	}
	ret = ks_outfile_open(&s->out, o->output);
	if (ret)
		return ks_err_runtime(err, ret, "cannot create %s: %s", o->output, strerror(-ret));
	ret = ks_run_init(&s->run, o->cmd, false, err);
	if (ret)
		return ret;
	s->run_active = true;
	/* A command alone is followed from its exec on, with the threads it starts. */
	if (o->cmd && !o->all_cpus) {
		s->tids = calloc(1, sizeof(*s->tids));
		if (!s->tids)
			return ks_err_set(err, -ENOMEM, "out of memory");
		s->tids[s->ntids++] = s->run.child.pid;
	}
	ret = open_perf(s);
	if (ret)
		return ret;
	if (ks_dirname(o->output, dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), ".");
	return ks_profrec_new(&s->rec, s->perf, dir,
			      o->cg == KS_PERF_CG_DWARF ? 65536 : (int)sysconf(_SC_PAGESIZE), err);
}

bool ks_profsess_cycles_fallback(const struct ks_profsess *s)
{
	return s->cycles_fallback;
}

bool ks_profsess_user_only(const struct ks_profsess *s)
{
	return s->perf && ks_perf_user_only(s->perf);
}

static int drain(struct ks_profsess *s)
{
	int64_t n = ks_perf_read(s->perf, ks_profrec_add, s->rec);

	if (n < 0)
		return ks_err_runtime(s->err, (int)n, "cannot keep the samples next to %s: %s",
				      s->o.output, strerror((int)-n));
	return 0;
}

/* Whether any of the processes still runs (perf record -p stops when they end). */
static bool targets_alive(const struct ks_profsess *s)
{
	int i;

	for (i = 0; i < s->o.npids; i++)
		if (ks_pid_alive(s->o.pids[i]))
			return true;
	return false;
}

/* What already runs, stamped @ts: before any sample. */
static int synth_running(struct ks_profsess *s, uint64_t ts)
{
	int i, ret = 0;

	if (s->o.all_cpus)
		ret = ks_profrec_synth_all(s->rec, ts, s->cpus[0]);
	for (i = 0; !s->o.all_cpus && !ret && i < s->o.npids; i++)
		ret = ks_profrec_synth_proc(s->rec, s->o.pids[i], ts, s->cpus[0]);
	if (ret)
		return ks_err_runtime(s->err, ret, "cannot record the running processes: %s",
				      strerror(-ret));
	return 0;
}

int ks_profsess_run(struct ks_profsess *s, int tick_ms, ks_profsess_tick_fn tick, void *arg)
{
	int nr = ks_perf_nrings(s->perf), i, ret;
	struct pollfd *pfd = calloc((size_t)nr, sizeof(*pfd));
	bool all = s->o.all_cpus;
	struct timespec wall;
	uint64_t ts;

	if (!pfd)
		return ks_err_set(s->err, -ENOMEM, "out of memory");
	for (i = 0; i < nr; i++)
		pfd[i] = (struct pollfd){ .fd = ks_perf_ring_fd(s->perf, i), .events = POLLIN };
	ts = ks_profrec_now(s->clock);
	/*
	 * System-wide, what runs is read before sampling starts (a long read would fill
	 * the rings). A few processes are read quickly, after: one that execs in between
	 * is then seen by the kernel's mmap records if not by /proc.
	 */
	ret = all ? synth_running(s, ts) : 0;
	if (ret)
		goto out;
	s->start_ns = ks_now_ns();
	clock_gettime(CLOCK_REALTIME, &wall);
	s->start_epoch_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
	/* A command alone starts its events itself when it execs (enable_on_exec). */
	if (!s->o.cmd || all)
		ks_perf_enable(s->perf);
	ret = (all ? 0 : synth_running(s, ts)) ?: ks_run_start(&s->run, s->o.duration, s->err);
	while (!ret && (ret = ks_run_wait(&s->run, pfd, nr, tick ? tick_ms : 1000, s->err)) > 0) {
		ret = drain(s);
		if (s->o.npids && !targets_alive(s))
			ks_run_stop(&s->run);
		if (tick)
			tick(arg, s);
	}
	s->stop_ns = ks_now_ns();
	ks_perf_disable(s->perf);
	if (!ret)
		ret = drain(s);
out:
	free(pfd);
	return ret;
}

int ks_profsess_write(struct ks_profsess *s)
{
	struct ks_profrec_meta meta = {
		.machine = s->machine, .clock = s->clock,
		.freq = s->o.count ? 0 : s->o.freq, .period = s->o.count,
		.callgraph = s->o.cg, .stack_size = s->o.stack_size, .regs_mask = s->regs_mask,
		.target = s->o.all_cpus ? "system" : s->o.cmd ? "command" : "pids",
		.events = s->events, .nevents = s->nevents, .offcpu_event = s->offcpu_event,
		.start_ns = s->start_ns, .duration_ns = s->stop_ns - s->start_ns,
		.start_epoch_ns = s->start_epoch_ns, .cmd = s->o.cmd,
	};
	struct ks_evsel all = { 0 }, sel = { 0 };
	int i, ret = 0;

	/* Tracepoint samples carry raw records: their formats go into the file. */
	for (i = 0; i < s->nevents && !ret; i++) {
		if (!s->events[i].tracepoint)
			continue;
		if (!all.n)
			ret = ks_evsel_list_all(s->tracefs, &all);
		if (!ret)
			ret = ks_evsel_add(&sel, &all, s->events[i].name, NULL, s->err);
	}
	if (!ret)
		ret = ks_profrec_write(s->rec, s->out.fd, s->tracefs, &sel, &meta, s->ncpus_kernel,
				       s->err);
	if (!ret) {
		ret = ks_outfile_commit(&s->out);
		if (ret)
			ks_err_runtime(s->err, ret, "cannot write %s: %s", s->o.output,
				       strerror(-ret));
	}
	ks_evsel_free(&all);
	ks_evsel_free(&sel);
	return ret;
}

const struct ks_profrec_stats *ks_profsess_stats(const struct ks_profsess *s)
{
	return ks_profrec_stats(s->rec);
}

struct ks_run *ks_profsess_run_state(struct ks_profsess *s)
{
	return &s->run;
}

double ks_profsess_elapsed(const struct ks_profsess *s)
{
	if (s->stop_ns)
		return (s->stop_ns - s->start_ns) / 1e9;
	return ks_run_elapsed_ns(&s->run) / 1e9;
}

const struct ks_perf_evspec *ks_profsess_events(const struct ks_profsess *s, int *n)
{
	*n = s->nevents;
	return s->events;
}

void ks_profsess_free(struct ks_profsess *s)
{
	if (!s)
		return;
	ks_perf_close(s->perf);
	if (s->run_active)
		ks_run_end(&s->run);
	ks_profrec_free(s->rec);
	ks_outfile_discard(&s->out);
	free(s->tids);
	free(s->cpus);
	free(s);
}

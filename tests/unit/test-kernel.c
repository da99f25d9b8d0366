// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the kernel layer's logic that needs no tracefs: the run loop with a
 * real command (its exit status, signals, the deadline, exec failures), procfs
 * readers, the capture options, the PMU fallback, and latency trace headers.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kscope/kernel/capture.h"
#include "kscope/kernel/lattrace.h"
#include "kscope/kernel/perf.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/run.h"
#include "tap.h"

/* Run @argv (NULL: nothing) for at most @duration s: the stop reason, and the exit status. */
static enum ks_run_stop run(char **argv, double duration, int *status, struct ks_err *err,
			    bool *exec_failed)
{
	struct ks_run r;
	enum ks_run_stop stop;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = ks_run_init(&r, argv, false, err) ?: ks_run_start(&r, duration, err);
	while (!ret && (ret = ks_run_wait(&r, NULL, 0, 1000, err)) > 0)
		ret = 0;
	stop = ret < 0 ? (enum ks_run_stop)-1 : r.stop;
	*status = ks_run_exit_status(&r);
	*exec_failed = ks_run_exec_failed(&r);
	ks_run_end(&r);
	return stop;
}

static void test_run(void)
{
	char *exit7[] = { "sh", "-c", "exit 7", NULL };
	char *killed[] = { "sh", "-c", "kill -KILL $$", NULL };
	char *sleeper[] = { "sleep", "30", NULL };
	char *missing[] = { "/nonexistent/program", NULL };
	char *dir[] = { "/", NULL };
	struct ks_err err;
	struct ks_run zero = { 0 };
	bool failed;
	sigset_t now;
	int st;
	uint64_t t0;

	is_int(run(exit7, 0, &st, &err, &failed), KS_RUN_CHILD, "a command that exits ends the run");
	is_int(st, 7, "its status is kscope's");
	is_int(run(killed, 0, &st, &err, &failed), KS_RUN_CHILD, "a command killed by a signal");
	is_int(st, 128 + SIGKILL, "128+N, as a shell says");
	t0 = ks_now_ns();
	is_int(run(sleeper, 0.2, &st, &err, &failed), KS_RUN_DEADLINE, "the deadline ends a run");
	ok(ks_now_ns() - t0 < 3000000000ull, "in time, and the command was ended");
	is_int(st, 0, "a command ended by kscope: status 0");
	is_int(run(missing, 0, &st, &err, &failed), KS_RUN_CHILD, "a command that cannot exec");
	ok(failed && st == 127 && strstr(err.msg, "cannot run '/nonexistent/program'"),
	   "127 and why: %s", err.msg);
	run(dir, 0, &st, &err, &failed);
	ok(failed && st == 126 && strstr(err.msg, "Permission denied"),
	   "a directory: 126 and why: %s", err.msg);

	/* A stop signal sent to kscope itself is a normal end. */
	{
		struct ks_run r;
		int ret;

		ret = ks_run_init(&r, NULL, false, &err) ?: ks_run_start(&r, 10, &err);
		ok(!ret, "a run without a command");
		kill(getpid(), SIGTERM);
		while (!ret && (ret = ks_run_wait(&r, NULL, 0, 1000, &err)) > 0)
			ret = 0;
		ok(!ret && r.stop == KS_RUN_SIGNAL && r.stop_signal == SIGTERM,
		   "SIGTERM stops it cleanly");
		is_int(ks_run_exit_status(&r), 0, "exit 0");
		ks_run_end(&r);
	}
	sigprocmask(SIG_BLOCK, NULL, &now);
	ok(!sigismember(&now, SIGTERM) && !sigismember(&now, SIGCHLD), "the mask is given back");
	ks_run_end(&zero);
	ok(1, "ending a run that never began does nothing");
}

static void test_proc(void)
{
	int *v = NULL, n = 0, i, self = 0;
	char comm[64];

	ok(!ks_proc_threads(getpid(), &v, &n) && n >= 1, "threads of this process: %d", n);
	for (i = 0; i < n; i++)
		self |= v[i] == (int)syscall(SYS_gettid);
	ok(self, "... this thread among them");
	is_int(ks_proc_threads(999999999, &v, &n), -ESRCH, "a process that is not there");
	free(v);
	ok(!ks_proc_cpus_online(&v, &n), "online CPUs");
	is_int(n, sysconf(_SC_NPROCESSORS_ONLN), "as many as sysconf counts");
	free(v);
	ok(ks_proc_ncpus() >= n, "possible CPUs cover the online ones");
	ok(!ks_proc_comm(getpid(), comm, sizeof(comm)) && !strcmp(comm, "test-kernel"),
	   "comm of this process: %s", comm);
}

static void test_capture_opts(void)
{
	struct ks_capture_opts o;
	struct ks_err err = { 0 };

	ok(!ks_capture_opts_init(&o, 8), "capture options");
	ok(ks_capture_opt(&o, 'f', "pid > 0", &err) == -EINVAL && strstr(err.msg, "must follow"),
	   "-f before any -e");
	ok(ks_capture_opt(&o, 'e', "sched", &err) == 1 && ks_capture_opt(&o, 'f', "x", &err) == 1 &&
	   ks_capture_opt(&o, 'e', "irq", &err) == 1, "-e -f -e");
	ok(o.npatterns == 2 && !strcmp(o.filters[0], "x") && !o.filters[1],
	   "the filter belongs to the -e before it");
	is_int(ks_capture_opt(&o, 'P', "abc", &err), -EINVAL, "a bad pid");
	is_int(ks_capture_opt(&o, 'P', "999999999", &err), -ESRCH, "a pid that does not run");
	ok(ks_capture_opt(&o, 'P', "1", &err) == 1 && o.npids == 1, "pid 1 runs");
	is_int(ks_capture_opt(&o, 'b', "0", &err), -EINVAL, "a buffer of 0 KiB");
	ok(ks_capture_opt(&o, 'T', NULL, &err) == 1 && o.stacktrace, "-T");
	is_int(ks_capture_opt(&o, 'q', NULL, &err), 0, "not a capture option: left to the command");
	ks_capture_opts_free(&o);
}

static void test_fallback(void)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_HARDWARE,
				     .config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1,
				     .exclude_kernel = 1, .exclude_hv = 1 };
	struct ks_perf_evspec ev[2];
	struct ks_err err;
	int fd, pmu, ret;

	ok(!ks_perf_parse_event("cycles", NULL, &ev[0], &err) &&
	   !ks_perf_parse_event("page-faults", NULL, &ev[1], &err), "two events");
	/* The truth: can this thread count its own cycles? */
	fd = (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
	pmu = fd >= 0 || (errno != ENOENT && errno != EOPNOTSUPP && errno != ENODEV);
	if (fd >= 0)
		close(fd);
	ret = ks_perf_fallback_cycles(ev, 2);
	is_int(ret, !pmu, "falls back exactly when no PMU counts cycles (PMU here: %s)",
	       pmu ? "yes" : "no");
	ok(pmu ? ev[0].type == PERF_TYPE_HARDWARE :
	   ev[0].type == PERF_TYPE_SOFTWARE && ev[0].config == PERF_COUNT_SW_CPU_CLOCK &&
	   !strcmp(ev[0].name, "cpu-clock"), "cycles became %s", ev[0].name);
	ok(ev[1].type == PERF_TYPE_SOFTWARE && ev[1].config == PERF_COUNT_SW_PAGE_FAULTS,
	   "other events stay");
	is_int(ks_perf_fallback_cycles(&ev[1], 1), 0, "no cycles asked for: nothing to do");
}

static void test_lattrace(void)
{
	char irqsoff[] =
		"# tracer: irqsoff\n#\n"
		"# irqsoff latency trace v1.1.5 on 6.1.0\n"
		"# --------------------------------------------------------------------\n"
		"# latency: 729 us, #4/4, CPU#1 | (M:preempt VP:0, KP:0, SP:0 HP:0 #P:2)\n"
		"#    -----------------\n"
		"#    | task: cat-43 (uid:0 nice:0 policy:0 rt_prio:0)\n"
		"#    -----------------\n"
		"#  => started at: irqentry_enter\n"
		"#  => ended at:   irqentry_exit_to_user_mode\n#\n"
		"     cat-43      1d...    0us : irqentry_enter\n"
		"     cat-43      1d...  729us : irqentry_exit_to_user_mode\n";
	char wakeup[] =
		"# tracer: wakeup_rt\n"
		"# latency: 88 us, #20/20, CPU#0 | (M:preempt_rt VP:0, KP:0, SP:0 HP:0 #P:2)\n"
		"#    | task: rt-app-71 (uid:0 nice:0 policy:1 rt_prio:50)\n"
		"  <idle>-0       0dNh5    1us :      0:120:R   + [000]    71: 49:R rt-app\n";
	char empty[] = "# tracer: irqsoff\n#\n";
	struct ks_lat_hit h;
	char head[256];

	ok(!ks_lat_parse(irqsoff, &h, head, sizeof(head)), "an irqsoff trace");
	ok(h.us == 729 && h.cpu == 1 && !strcmp(h.task, "cat-43"), "latency, CPU and task");
	is_str(h.started, "irqentry_enter", "where it started");
	is_str(h.ended, "irqentry_exit_to_user_mode", "where it ended");
	ok(h.body && !strncmp(h.body, "     cat-43", 11) && strstr(h.body, "729us"),
	   "the trace lines after the header");
	ok(!strncmp(head, "# latency: 729 us", 17), "the header line tells maxima apart");
	ks_lat_hit_free(&h);
	ok(!ks_lat_parse(wakeup, &h, head, sizeof(head)) && h.us == 88 && h.cpu == 0 &&
	   !strcmp(h.task, "rt-app-71") && !h.started[0] && !h.ended[0],
	   "a wakeup trace: no start and end in its header");
	ks_lat_hit_free(&h);
	is_int(ks_lat_parse(empty, &h, head, sizeof(head)), -ENODATA, "no latency yet");
}

int main(void)
{
	test_run();
	test_proc();
	test_capture_opts();
	test_fallback();
	test_lattrace();
	return tap_done();
}

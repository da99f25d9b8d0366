// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope profile: sample call stacks with perf_event (no eBPF) — on-CPU with a
 * hardware or software clock, off-CPU by sampling sched:sched_switch — and store
 * them with mappings, build-ids and comms in a trace.dat (kscope:* events).
 * parse -> setup (target, events, rings) -> run (read rings) -> write -> report.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kscope/kernel/child.h"
#include "kscope/cmds.h"
#include "kscope/kernel/evsel.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/perf.h"
#include "kscope/profile/profrec.h"
#include "kscope/kernel/session.h"
#include "kscope/profile/unwind.h"

#define PROFILE_MAX_EVENTS	8
#define PROFILE_DEFAULT_FREQ	99
#define PROFILE_DEFAULT_STACK	8192
#define OFFCPU_EVENT		"sched:sched_switch"

enum { OPT_CALL_GRAPH = 256, OPT_DURATION, OPT_OFF_CPU, OPT_MMAP_PAGES };

static const struct ks_opt profile_opts[] = {
	{ 'e', "event", "EVENT", "what to sample: cycles (default), instructions, cpu-clock, "
	  "task-clock, page-faults, sys:tracepoint, ...; :u/:k suffix; repeat" },
	{ 'F', "freq", "HZ", "samples per second per CPU (default 99)" },
	{ 'c', "count", "N", "sample every N events instead of at a frequency" },
	{ 'g', NULL, NULL, "record call stacks, kernel and user (frame pointers)" },
	{ OPT_CALL_GRAPH, "call-graph", "fp|dwarf[,SIZE]", "how to get user stacks: frame "
	  "pointers, or DWARF unwinding of a SIZE-byte stack copy (default 8192)" },
	{ OPT_OFF_CPU, "off-cpu", NULL, "off-CPU stacks: where threads block, weighted by the "
	  "time off CPU (samples " OFFCPU_EVENT "; implies -g; add -e cpu-clock for on-CPU "
	  "samples too)" },
	{ 'a', "all-cpus", NULL, "every process on the CPUs (default without -p or a command; "
	  "with a command: until it exits)" },
	{ 'p', "pid", "PID[,PID]", "these processes and the threads they start; repeat" },
	{ 'C', "cpu", "LIST", "only these CPUs: 0,2-3 (system-wide on them unless -p)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ OPT_MMAP_PAGES, "mmap-pages", "N", "ring buffer pages per CPU, a power of two "
	  "(default 128; 512 with dwarf)" },
	{ 'o', "output", "FILE", "output file (default profile.dat)" },
	{ 'q', "quiet", NULL, "no status line and no summary (warnings stay)" },
	{ 0 },
};

static const struct ks_cmd_help profile_help = {
	.name = "profile",
	.usage = "[-e EVENT]... [-F HZ | -c N] [-g | --call-graph fp|dwarf[,SIZE]] [--off-cpu]\n"
		 "                      [-a | -p PID[,PID] | -C CPUS] [--duration SECS] [-o FILE]\n"
		 "                      [-- command [args]]",
	.summary = "Sample call stacks with perf_event, no eBPF: on-CPU (hardware cycles where\n"
		   "a PMU exists, else cpu-clock) and, with --off-cpu, where threads block.\n"
		   "The file is a trace.dat (trace-cmd report lists the kscope:* samples) that\n"
		   "holds raw addresses, mappings, build-ids, comms and kallsyms, so it can be\n"
		   "symbolized later or elsewhere: kscope flame, kscope report --profile.\n"
		   "Profiles the command until it exits (with -a: everything, until it exits),\n"
		   "-p PIDs until they exit, or every CPU (-a, the default) until --duration\n"
		   "or Ctrl-C.",
	.opts = profile_opts,
};

struct profile_ctx {
	/* options */
	const char *event_names[PROFILE_MAX_EVENTS];
	int nevent_names;
	uint64_t freq, count;
	enum ks_perf_callgraph cg;
	uint32_t stack_size;
	bool offcpu, all_cpus;
	int *pids;
	int npids;
	const char *cpu_list;
	double duration;
	unsigned int mmap_pages;
	const char *output;
	bool quiet;
	char **cmd;
	/* state */
	const char *tracefs;
	struct ks_perf_evspec events[PROFILE_MAX_EVENTS + 1];
	int nevents;
	int offcpu_event;		/* index of sched_switch, or -1 */
	int *cpus, ncpus, ncpus_kernel;
	int *tids, ntids;
	struct ks_perf *perf;
	struct ks_profrec *rec;
	struct ks_outfile out;
	struct ks_child child;
	int sig_fd;
	sigset_t old_mask;
	char machine[65];
	uint64_t regs_mask;
	const char *clock;
	uint64_t start_ns, stop_ns;
	uint64_t start_epoch_ns;	/* wall clock at start_ns */
	int stop_reason;
	struct ks_err err;
};

static int parse_pids(struct profile_ctx *c, const char *arg)
{
	char **v;
	int n, i, pid, ret = 0;
	int *np;

	v = ks_split(arg, ',', &n);
	if (!v)
		return -ENOMEM;
	np = realloc(c->pids, (c->npids + n) * sizeof(*np));
	if (!np) {
		free(v);
		return -ENOMEM;
	}
	c->pids = np;
	for (i = 0; i < n && !ret; i++) {
		if (ks_parse_int(v[i], &pid) || pid <= 0)
			ret = ks_err_set(&c->err, -EINVAL, "bad pid '%s'", v[i]);
		else
			c->pids[c->npids++] = pid;
	}
	free(v);
	return ret;
}

static int parse_call_graph(struct profile_ctx *c, const char *arg)
{
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	uint64_t size;

	if (n == 2 && !strncmp(arg, "fp", 2) && !comma) {
		c->cg = KS_PERF_CG_FP;
		return 0;
	}
	if (n != 5 || strncmp(arg, "dwarf", 5))
		return ks_err_set(&c->err, -EINVAL, "bad --call-graph '%s' (fp or dwarf[,SIZE])",
				  arg);
	c->cg = KS_PERF_CG_DWARF;
	if (!comma)
		return 0;
	/* The kernel takes at most 65528 and a multiple of 8; one sample must fit a page. */
	if (ks_parse_u64(comma + 1, &size) || size < 8 || size > 60000)
		return ks_err_set(&c->err, -EINVAL, "bad stack size '%s' (8 to 60000 bytes)",
				  comma + 1);
	c->stack_size = (uint32_t)(size + 7) / 8 * 8;
	return 0;
}

static int profile_parse(struct profile_ctx *c, int argc, char **argv)
{
	struct ks_opts_state st;
	int opt, v, ret = 0;

	c->stack_size = PROFILE_DEFAULT_STACK;
	c->output = "profile.dat";
	ks_opts_init(&st, &profile_help, argc, argv);
	while (!ret && (opt = ks_opts_next(&st)) != -1) {
		switch (opt) {
		case 'h':
			ks_opts_help(stdout, &profile_help);
			ks_opts_free(&st);
			return 1;
		case 'e':
			if (c->nevent_names == PROFILE_MAX_EVENTS)
				ret = ks_err_set(&c->err, -EINVAL, "at most %d events",
						 PROFILE_MAX_EVENTS);
			else
				c->event_names[c->nevent_names++] = st.optarg;
			break;
		case 'F':
			if (ks_parse_u64(st.optarg, &c->freq) || !c->freq || c->freq > 100000)
				ret = ks_err_set(&c->err, -EINVAL, "bad frequency '%s' (1 to 100000 "
						 "Hz)", st.optarg);
			break;
		case 'c':
			if (ks_parse_u64(st.optarg, &c->count) || !c->count)
				ret = ks_err_set(&c->err, -EINVAL, "bad count '%s'", st.optarg);
			break;
		case 'g':
			if (c->cg == KS_PERF_CG_NONE)
				c->cg = KS_PERF_CG_FP;
			break;
		case OPT_CALL_GRAPH:
			ret = parse_call_graph(c, st.optarg);
			break;
		case OPT_OFF_CPU:
			c->offcpu = true;
			break;
		case 'a':
			c->all_cpus = true;
			break;
		case 'p':
			ret = parse_pids(c, st.optarg);
			break;
		case 'C':
			c->cpu_list = st.optarg;
			break;
		case OPT_DURATION:
			if (ks_parse_duration(st.optarg, &c->duration) || c->duration <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad duration '%s'", st.optarg);
			break;
		case OPT_MMAP_PAGES:
			if (ks_parse_int(st.optarg, &v) || v < 1 || v > (1 << 20) || (v & (v - 1)))
				ret = ks_err_set(&c->err, -EINVAL, "bad --mmap-pages '%s' (a power "
						 "of two)", st.optarg);
			else
				c->mmap_pages = (unsigned int)v;
			break;
		case 'o':
			c->output = st.optarg;
			break;
		case 'q':
			c->quiet = true;
			break;
		default:
			ret = ks_err_set(&c->err, -EINVAL, "%s", st.bad);
			break;
		}
	}
	if (!ret) {
		int idx = ks_opts_index(&st);

		if (idx < argc)
			c->cmd = argv + idx;
	}
	ks_opts_free(&st);
	if (ret)
		return ret;
	if (c->freq && c->count)
		return ks_err_set(&c->err, -EINVAL, "-F and -c exclude each other");
	if (c->cmd && c->npids)
		return ks_err_set(&c->err, -EINVAL, "a command excludes -p");
	if (c->npids && c->all_cpus)
		return ks_err_set(&c->err, -EINVAL, "-p and -a exclude each other");
	/* -C alone means those CPUs system-wide, as in perf. */
	if ((!c->cmd && !c->npids) || (c->cpu_list && !c->npids))
		c->all_cpus = true;
	/* A blocked thread without its stack says nothing: off-CPU implies call graphs. */
	if (c->offcpu && c->cg == KS_PERF_CG_NONE)
		c->cg = KS_PERF_CG_FP;
	if (!c->freq && !c->count)
		c->freq = PROFILE_DEFAULT_FREQ;
	if (!c->mmap_pages)
		c->mmap_pages = c->cg == KS_PERF_CG_DWARF ? 512 : 128;
	return 0;
}

/* "0,2-3" into a list of CPUs; every possible CPU must be below @max. */
static int parse_cpu_list(const char *s, int max, int **out, int *n)
{
	char **v;
	int cnt, i, a, b, k, *cpus;

	v = ks_split(s, ',', &cnt);
	if (!v)
		return -ENOMEM;
	cpus = calloc(max ? max : 1, sizeof(*cpus));
	*n = 0;
	for (i = 0; cpus && i < cnt; i++) {
		char *dash = strchr(v[i], '-');

		if (dash)
			*dash = '\0';
		if (ks_parse_int(v[i], &a) || (dash && ks_parse_int(dash + 1, &b)))
			goto out_bad;
		if (!dash)
			b = a;
		if (a < 0 || b < a || b >= max)
			goto out_bad;
		for (k = a; k <= b; k++) {
			int j, dup = 0;

			for (j = 0; j < *n; j++)
				dup |= cpus[j] == k;
			if (!dup)
				cpus[(*n)++] = k;
		}
	}
	free(v);
	if (!cpus)
		return -ENOMEM;
	*out = cpus;
	return 0;
out_bad:
	free(v);
	free(cpus);
	return -EINVAL;
}

static int setup_cpus(struct profile_ctx *c)
{
	char *online = NULL;
	int ret;

	c->ncpus_kernel = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (c->cpu_list) {
		ret = parse_cpu_list(c->cpu_list, c->ncpus_kernel, &c->cpus, &c->ncpus);
		if (ret)
			return ks_err_set(&c->err, ret, "bad CPU list '%s' (this machine has CPUs "
					  "0-%d)", c->cpu_list, c->ncpus_kernel - 1);
	} else {
		ret = ks_read_file("/sys/devices/system/cpu/online", &online, NULL);
		if (!ret) {
			ret = parse_cpu_list(ks_strip(online), c->ncpus_kernel, &c->cpus,
					     &c->ncpus);
			free(online);
		}
		if (ret)
			return ks_err_set(&c->err, ret, "cannot read the online CPUs");
	}
	return c->ncpus ? 0 : ks_err_set(&c->err, -EINVAL, "no CPU to profile");
}

/* Every thread of the -p processes, which must exist now. */
static int setup_tids(struct profile_ctx *c)
{
	char path[64];
	int i;

	for (i = 0; i < c->npids; i++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/task", c->pids[i]);
		d = opendir(path);
		if (!d)
			return ks_err_set(&c->err, -ESRCH, "no process with pid %d", c->pids[i]);
		while ((de = readdir(d))) {
			int tid = atoi(de->d_name), *nt;

			if (tid <= 0)
				continue;
			nt = realloc(c->tids, (c->ntids + 1) * sizeof(*nt));
			if (!nt) {
				closedir(d);
				return ks_err_set(&c->err, -ENOMEM, "out of memory");
			}
			c->tids = nt;
			c->tids[c->ntids++] = tid;
		}
		closedir(d);
	}
	return 0;
}

/*
 * The events: the user's, or cycles; cycles becomes cpu-clock where no PMU counts
 * it (said once); --off-cpu adds sched:sched_switch.
 */
static int setup_events(struct profile_ctx *c)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_HARDWARE,
				     .config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1,
				     .exclude_kernel = 1, .exclude_hv = 1 };
	int i, ret, fd = -1;
	bool want_cycles = false;

	if (!c->nevent_names && !c->offcpu)
		c->event_names[c->nevent_names++] = "cycles";
	c->offcpu_event = -1;
	for (i = 0; i < c->nevent_names; i++) {
		ret = ks_perf_parse_event(c->event_names[i], c->tracefs, &c->events[c->nevents],
					  &c->err);
		if (ret)
			return ret;
		if (c->events[c->nevents].type == PERF_TYPE_HARDWARE &&
		    c->events[c->nevents].config == PERF_COUNT_HW_CPU_CYCLES)
			want_cycles = true;
		c->nevents++;
	}
	if (want_cycles) {
		fd = (int)syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
		if (fd >= 0) {
			close(fd);
		} else if (errno == ENOENT || errno == EOPNOTSUPP || errno == ENODEV) {
			for (i = 0; i < c->nevents; i++) {
				struct ks_perf_evspec *ev = &c->events[i];

				if (ev->type != PERF_TYPE_HARDWARE ||
				    ev->config != PERF_COUNT_HW_CPU_CYCLES)
					continue;
				ev->type = PERF_TYPE_SOFTWARE;
				ev->config = PERF_COUNT_SW_CPU_CLOCK;
				snprintf(ev->name, sizeof(ev->name), "cpu-clock");
			}
			fprintf(stderr, "kscope profile: no hardware cycles counter here (no PMU): "
				"sampling cpu-clock instead\n");
		}
	}
	if (c->offcpu) {
		ret = ks_perf_parse_event(OFFCPU_EVENT, c->tracefs, &c->events[c->nevents],
					  &c->err);
		if (ret)
			return ks_err_set(&c->err, ret, "--off-cpu needs the %s tracepoint: %s",
					  OFFCPU_EVENT, c->err.msg);
		/* Every switch: a missed one would merge two blocked intervals. */
		c->events[c->nevents].period = 1;
		c->offcpu_event = c->nevents++;
	}
	return 0;
}

static bool needs_tracefs(const struct profile_ctx *c)
{
	int i;

	for (i = 0; i < c->nevent_names; i++) {
		const char *name = c->event_names[i], *colon = strchr(name, ':');

		/* "sys:event" or "sys:event:u"; "cycles:u" is no tracepoint. */
		if (colon && (strcmp(colon, ":u") && strcmp(colon, ":k")))
			return true;
	}
	return false;
}

static const char *cg_name(enum ks_perf_callgraph cg)
{
	return cg == KS_PERF_CG_FP ? "fp" : cg == KS_PERF_CG_DWARF ? "dwarf" : "none";
}

static int profile_setup(struct profile_ctx *c)
{
	struct ks_perf_opts po = { 0 };
	struct utsname u;
	char dir[PATH_MAX], *tmp;
	int ret;

	/* Only tracepoints need tracefs: profiles without them work unprivileged too. */
	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs && (c->offcpu || needs_tracefs(c)))
		return -EACCES;
	if (c->cmd) {
		ret = ks_child_check(c->cmd, &c->err);
		if (ret)
			return ret;
	}
	ret = setup_cpus(c) ?: setup_tids(c) ?: setup_events(c);
	if (ret)
		return ret;
	if (!uname(&u))
		snprintf(c->machine, sizeof(c->machine), "%s", u.machine);
	if (c->cg == KS_PERF_CG_DWARF) {
		c->regs_mask = ks_unwind_regs_mask(c->machine);
		if (!c->regs_mask)
			return ks_err_set(&c->err, -EOPNOTSUPP, "--call-graph dwarf: kscope cannot "
					  "unwind %s stacks; use -g (frame pointers)", c->machine);
	}
	ret = ks_outfile_open(&c->out, c->output);
	if (ret)
		return ks_err_set(&c->err, ret, "cannot create %s: %s", c->output, strerror(-ret));
	c->sig_fd = ks_child_signalfd(&c->old_mask);
	if (c->sig_fd < 0)
		return ks_err_set(&c->err, c->sig_fd, "signalfd: %s", strerror(-c->sig_fd));
	if (c->cmd) {
		ret = ks_child_fork(&c->child, c->cmd, &c->old_mask, &c->err);
		if (ret)
			return ret;
	}
	if (c->cmd && !c->all_cpus) {
		c->tids = calloc(1, sizeof(*c->tids));
		if (!c->tids)
			return ks_err_set(&c->err, -ENOMEM, "out of memory");
		c->tids[c->ntids++] = c->child.pid;
	}
	po.events = c->events;
	po.nevents = c->nevents;
	po.freq = c->count ? 0 : c->freq;
	po.period = c->count;
	po.callgraph = c->cg;
	po.stack_size = c->stack_size;
	po.regs_mask = c->regs_mask;
	po.cpus = c->cpus;
	po.ncpus = c->ncpus;
	po.tids = c->tids;
	po.ntids = c->ntids;
	po.enable_on_exec = c->cmd && !c->all_cpus;
	/*
	 * Off-CPU time ends when the thread runs again: PERF_RECORD_SWITCH(_CPU_WIDE)
	 * says when. sched_switch samples cannot: the kernel takes none when the idle
	 * task is the one leaving, which is how most sleepers come back.
	 */
	po.context_switch = c->offcpu;
	po.build_id = true;
	po.use_clockid = true;
	po.allow_user_only = !c->all_cpus;
	po.mmap_pages = c->mmap_pages;
	ret = ks_perf_open(&c->perf, &po, &c->err);
	if (ret)
		return ret;
	if (ks_perf_user_only(c->perf))
		fprintf(stderr, "kscope profile: kernel sampling not allowed here "
			"(perf_event_paranoid): user space only; root or 'sysctl "
			"kernel.perf_event_paranoid=1' adds kernel frames\n");
	c->clock = ks_perf_uses_clockid(c->perf) ? "mono" : "perf";
	tmp = strdup(c->output);
	snprintf(dir, sizeof(dir), "%s", tmp ? dirname(tmp) : ".");
	free(tmp);
	ret = ks_profrec_new(&c->rec, c->perf, dir,
			     c->cg == KS_PERF_CG_DWARF ? 65536 : (int)sysconf(_SC_PAGESIZE), &c->err);
	return ret;
}

static void profile_status(struct profile_ctx *c)
{
	const struct ks_profrec_stats *st = ks_profrec_stats(c->rec);

	fprintf(stderr, "\rkscope profile: %.1fs  %llu samples  %.1f MB read  lost %llu\033[K",
		(ks_now_ns() - c->start_ns) / 1e9, (unsigned long long)st->samples,
		st->bytes / 1e6, (unsigned long long)(st->lost + st->lost_samples));
}

static int drain(struct profile_ctx *c)
{
	int64_t n = ks_perf_read(c->perf, ks_profrec_add, c->rec);

	if (n < 0)
		return ks_err_set(&c->err, (int)n, "cannot keep the samples next to %s: %s",
				  c->output, strerror((int)-n));
	return 0;
}

/* -p: whether any of the processes still runs (perf record -p stops when they end). */
static bool targets_alive(const struct profile_ctx *c)
{
	int i;

	for (i = 0; i < c->npids; i++)
		if (ks_pid_alive(c->pids[i]))
			return true;
	return false;
}

static int profile_run(struct profile_ctx *c)
{
	int nr = ks_perf_nrings(c->perf), i, ret;
	struct pollfd *pfd = calloc(nr + 1, sizeof(*pfd));
	bool status = !c->quiet && isatty(STDERR_FILENO);
	uint64_t deadline = 0, ts;
	struct timespec wall;

	if (!pfd)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	/* What already runs, stamped before any sample. */
	ts = ks_profrec_now(c->clock);
	if (c->all_cpus)
		ret = ks_profrec_synth_all(c->rec, ts, c->cpus[0]);
	else
		for (ret = 0, i = 0; !ret && i < c->npids; i++)
			ret = ks_profrec_synth_proc(c->rec, c->pids[i], ts, c->cpus[0]);
	if (ret) {
		ks_err_set(&c->err, ret, "cannot record the running processes: %s",
			   strerror(-ret));
		goto out;
	}
	c->start_ns = ks_now_ns();
	clock_gettime(CLOCK_REALTIME, &wall);
	c->start_epoch_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
	if (c->duration > 0)
		deadline = c->start_ns + (uint64_t)(c->duration * 1e9);
	if (!c->cmd || c->all_cpus)
		ks_perf_enable(c->perf);
	if (c->cmd) {
		ret = ks_child_start(&c->child);
		if (ret) {
			ks_err_set(&c->err, ret, "cannot start the command: %s", strerror(-ret));
			goto out;
		}
	}
	pfd[0].fd = c->sig_fd;
	pfd[0].events = POLLIN;
	for (i = 0; i < nr; i++) {
		pfd[i + 1].fd = ks_perf_ring_fd(c->perf, i);
		pfd[i + 1].events = POLLIN;
	}
	for (;;) {
		struct signalfd_siginfo si;
		uint64_t now = ks_now_ns();
		int timeout = status ? 250 : 1000;

		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(pfd, nr + 1, timeout) < 0 && errno != EINTR) {
			ret = ks_err_set(&c->err, -errno, "poll: %s", strerror(errno));
			break;
		}
		ret = drain(c);
		if (ret)
			break;
		if (pfd[0].revents && read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				c->stop_reason = (int)si.ssi_signo;
				break;
			}
			if (ks_child_reap(&c->child)) {
				if (c->child.exec_errno)
					ret = ks_err_set(&c->err, -c->child.exec_errno,
							 "cannot run '%s': %s", c->cmd[0],
							 strerror(c->child.exec_errno));
				break;
			}
		}
		if (c->npids && !targets_alive(c))
			break;
		if (status)
			profile_status(c);
	}
	c->stop_ns = ks_now_ns();
	ks_perf_disable(c->perf);
	if (!ret)
		ret = drain(c);
	if (status)
		fprintf(stderr, "\r\033[K");
out:
	free(pfd);
	return ret;
}

static char *profile_meta(struct profile_ctx *c)
{
	struct ks_buf b = { 0 };
	int i;

	ks_buf_addf(&b, "kscope-profile=1\nmachine=%s\nclock=%s\nfreq=%llu\nperiod=%llu\n"
		    "callgraph=%s\nstack_size=%u\nregs_mask=0x%llx\ntarget=%s\nevents=%d\n",
		    c->machine, c->clock, (unsigned long long)(c->count ? 0 : c->freq),
		    (unsigned long long)c->count, cg_name(c->cg), c->stack_size,
		    (unsigned long long)c->regs_mask,
		    c->all_cpus ? "system" : c->cmd ? "command" : "pids", c->nevents);
	for (i = 0; i < c->nevents; i++)
		ks_buf_addf(&b, "event%d=%s\nevent%d_clock=%d\nevent%d_offcpu=%d\n", i,
			    c->events[i].name, i, ks_perf_event_is_clock(&c->events[i]), i,
			    i == c->offcpu_event);
	ks_buf_addf(&b, "start_ns=%llu\nduration_ns=%llu\nstart_epoch_ns=%llu\n",
		    (unsigned long long)c->start_ns, (unsigned long long)(c->stop_ns - c->start_ns),
		    (unsigned long long)c->start_epoch_ns);
	if (c->cmd) {
		ks_buf_addf(&b, "command=");
		for (i = 0; c->cmd[i]; i++)
			ks_buf_addf(&b, "%s%s", i ? " " : "", c->cmd[i]);
		ks_buf_addf(&b, "\n");
	}
	return b.data;
}

static int profile_write(struct profile_ctx *c)
{
	struct ks_evsel all = { 0 }, sel = { 0 };
	char *meta = profile_meta(c);
	int i, ret = 0;

	if (!meta)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	/* Tracepoint samples carry raw records: their formats go into the file. */
	for (i = 0; i < c->nevents; i++) {
		if (!c->events[i].tracepoint)
			continue;
		if (!all.n)
			ret = ks_evsel_list_all(c->tracefs, &all);
		if (!ret)
			ret = ks_evsel_add(&sel, &all, c->events[i].name, NULL, &c->err);
		if (ret)
			break;
	}
	if (!ret)
		ret = ks_profrec_write(c->rec, c->out.fd, c->tracefs, &sel, meta, c->clock,
				       c->ncpus_kernel, &c->err);
	if (!ret) {
		ret = ks_outfile_commit(&c->out);
		if (ret)
			ks_err_set(&c->err, ret, "cannot write %s: %s", c->output, strerror(-ret));
	}
	ks_evsel_free(&all);
	ks_evsel_free(&sel);
	free(meta);
	return ret;
}

static void profile_report(struct profile_ctx *c)
{
	const struct ks_profrec_stats *st = ks_profrec_stats(c->rec);
	struct stat sb;
	int i;

	if (st->lost || st->lost_samples)
		fprintf(stderr, "kscope profile: warning: %llu records and %llu samples lost "
			"(rings full: raise --mmap-pages or lower -F)\n",
			(unsigned long long)st->lost, (unsigned long long)st->lost_samples);
	if (st->truncated)
		fprintf(stderr, "kscope profile: warning: %llu stack copies cut to fit\n",
			(unsigned long long)st->truncated);
	if (c->quiet)
		return;
	fprintf(stderr, "kscope profile: %llu samples in %.2f s (", (unsigned long long)st->samples,
		(c->stop_ns - c->start_ns) / 1e9);
	for (i = 0; i < c->nevents; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", c->events[i].name);
	fprintf(stderr, "; call graph %s%s), %llu throttled, %llu lost; ", cg_name(c->cg),
		c->cg == KS_PERF_CG_DWARF ? ", user stacks unwound when read" : "",
		(unsigned long long)st->throttled,
		(unsigned long long)(st->lost + st->lost_samples));
	if (!stat(c->output, &sb))
		fprintf(stderr, "%s: %.1f MB\n", c->output, sb.st_size / 1e6);
	else
		fprintf(stderr, "%s\n", c->output);
}

static void profile_cleanup(struct profile_ctx *c)
{
	ks_perf_close(c->perf);
	if (c->child.pid > 0 || c->child.go_fd >= 0)
		ks_child_end(&c->child);
	ks_profrec_free(c->rec);
	ks_outfile_discard(&c->out);
	if (c->sig_fd > 0) {
		close(c->sig_fd);
		sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
	}
	free(c->pids);
	free(c->tids);
	free(c->cpus);
}

int ks_cmd_profile(int argc, char **argv)
{
	struct profile_ctx c = { .sig_fd = -1, .out = { .fd = -1 } };
	int ret;

	c.child.go_fd = c.child.exec_fd = -1;
	ret = profile_parse(&c, argc, argv);
	if (ret > 0)
		return KS_EXIT_OK;
	if (ret) {
		fprintf(stderr, "kscope profile: %s\n", c.err.msg);
		profile_cleanup(&c);
		return KS_EXIT_USAGE;
	}
	ret = profile_setup(&c);
	if (!ret)
		ret = profile_run(&c);
	if (!ret)
		ret = profile_write(&c);
	if (!ret)
		profile_report(&c);
	profile_cleanup(&c);
	if (ret) {
		fprintf(stderr, "kscope profile: %s\n", c.err.msg);
		return ret == -EINVAL || ret == -ENOENT || ret == -ESRCH ? KS_EXIT_USAGE :
		       KS_EXIT_FAIL;
	}
	if (c.stop_reason)
		fprintf(stderr, "kscope profile: stopped by %s\n", strsignal(c.stop_reason));
	return KS_EXIT_OK;
}

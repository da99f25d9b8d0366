// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope stream: enable events in a private instance and print them as they
 * arrive, in trace-cmd report's layout, until Ctrl-C or --duration.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "kscope/cmds.h"
#include "kscope/output/evprint.h"
#include "kscope/kernel/evsel.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/session.h"

enum { OPT_DURATION = 256 };

static const struct ks_opt stream_opts[] = {
	{ 'e', "event", "EVENT", "event to show: sys:event, sys, event, globs; repeat" },
	{ 'f', "filter", "FILTER", "filter for the preceding -e, tracefs syntax" },
	{ 'P', "pid", "PID", "only events of this pid; repeat for more" },
	{ 'c', "children", NULL, "with -P: follow children forked later" },
	{ 'C', "clock", "CLOCK", "trace clock (see kscope check)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long" },
	{ 0 },
};

static const struct ks_cmd_help stream_help = {
	.name = "stream",
	.usage = "-e EVENT [-f FILTER] [-P PID] [-c] [-C CLOCK] [--duration SECS]",
	.summary = "Print events live as they happen (like trace-cmd stream), from a private\n"
		   "tracefs instance that is removed on exit. Events are ordered by time within\n"
		   "each batch read from the per-CPU buffers.",
	.opts = stream_opts,
};

struct stream_event {
	unsigned long long ts;
	int cpu;
	int size;
	long long missed;
	size_t off;		/* into the batch's data */
};

struct stream_ctx {
	const char **patterns;
	const char **filters;
	int npatterns;
	int *pids;
	int npids;
	int children;
	const char *clock;
	double duration;
	const char *tracefs;
	struct ks_evsel all, sel;
	struct ks_session *sess;
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	int ncpus;
	int *fds;
	int page_size;
	struct ks_err err;
};

static int stream_parse(struct stream_ctx *c, int argc, char **argv)
{
	struct ks_opts_state st;
	int opt, v, ret = 0;

	c->patterns = calloc(argc, sizeof(*c->patterns));
	c->filters = calloc(argc, sizeof(*c->filters));
	c->pids = calloc(argc, sizeof(*c->pids));
	if (!c->patterns || !c->filters || !c->pids)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	ks_opts_init(&st, &stream_help, argc, argv);
	while (!ret && (opt = ks_opts_next(&st)) != -1) {
		switch (opt) {
		case 'e':
			c->patterns[c->npatterns++] = st.optarg;
			break;
		case 'f':
			if (!c->npatterns)
				ret = ks_err_set(&c->err, -EINVAL, "-f '%s' must follow an -e", st.optarg);
			else
				c->filters[c->npatterns - 1] = st.optarg;
			break;
		case 'P':
			if (ks_parse_int(st.optarg, &v) || v <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad pid '%s'", st.optarg);
			else if (!ks_pid_alive(v))
				ret = ks_err_set(&c->err, -ESRCH, "no process with pid %d", v);
			else
				c->pids[c->npids++] = v;
			break;
		case 'c':
			c->children = 1;
			break;
		case 'C':
			c->clock = st.optarg;
			break;
		case OPT_DURATION:
			if (ks_parse_duration(st.optarg, &c->duration) || c->duration <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad duration '%s'", st.optarg);
			break;
		case 'h':
			ks_opts_help(stdout, &stream_help);
			ks_opts_free(&st);
			return 1;
		default:
			ret = ks_err_set(&c->err, -EINVAL, "%s (see --help)", st.bad);
		}
	}
	if (!ret && ks_opts_index(&st) < argc)
		ret = ks_err_set(&c->err, -EINVAL, "unexpected argument '%s'",
				 argv[ks_opts_index(&st)]);
	ks_opts_free(&st);
	if (!ret && !c->npatterns)
		ret = ks_err_set(&c->err, -EINVAL, "no events given: add -e sys:event");
	if (!ret && c->children && !c->npids)
		ret = ks_err_set(&c->err, -EINVAL, "-c needs -P");
	return ret;
}

static int stream_setup(struct stream_ctx *c)
{
	const char **systems;
	int i, n, ret;

	c->tracefs = ks_tracefs_dir(&c->err);
	if (!c->tracefs)
		return -ENODEV;
	ret = ks_evsel_list_all(c->tracefs, &c->all);
	if (ret)
		return ks_err_set(&c->err, ret, "cannot read %s/events", c->tracefs);
	for (i = 0; i < c->npatterns; i++) {
		ret = ks_evsel_add(&c->sel, &c->all, c->patterns[i], c->filters[i], &c->err);
		if (ret)
			return ret;
	}
	systems = ks_evsel_systems(&c->sel, &n);
	if (!systems)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	systems[n] = NULL;
	c->tep = tracefs_local_events_system(c->tracefs, systems);
	free(systems);
	if (!c->tep)
		return ks_err_set(&c->err, -EIO, "cannot parse the event formats");
#ifndef KS_STATIC
	/* A static binary must not dlopen() shared plugins: it prints the raw formats. */
	c->plugins = tep_load_plugins(c->tep);
#endif
	tracefs_load_cmdlines(c->tracefs, c->tep);

	ret = ks_session_open(&c->sess, "stream", &c->err);
	if (ret)
		return ret;
	ret = ks_session_write(c->sess, "tracing_on", "0", &c->err);
	if (!ret && c->clock)
		ret = ks_session_set_clock(c->sess, c->clock, &c->err);
	if (!ret && c->npids) {
		struct ks_buf b = { 0 };

		for (i = 0; i < c->npids; i++)
			ks_buf_addf(&b, "%d ", c->pids[i]);
		ret = b.data ? ks_session_write(c->sess, "set_event_pid", b.data, &c->err) : -ENOMEM;
		ks_buf_free(&b);
	}
	if (!ret && c->children)
		ret = ks_session_write(c->sess, "options/event-fork", "1", &c->err);
	if (!ret)
		ret = ks_evsel_apply(c->sess, &c->sel, false, &c->err);
	if (ret)
		return ret;

	c->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	c->page_size = (int)sysconf(_SC_PAGESIZE);
	c->fds = malloc(c->ncpus * sizeof(int));
	if (!c->fds)
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	for (i = 0; i < c->ncpus; i++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/trace_pipe_raw",
			 ks_session_dir(c->sess), i);
		c->fds[i] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	return ks_session_write(c->sess, "tracing_on", "1", &c->err);
}

/* Tasks that started after saved_cmdlines was read: take their name from /proc. */
static void learn_comm(struct tep_handle *tep, struct tep_record *rec)
{
	int pid = tep_data_pid(tep, rec);
	char path[64], *comm;

	if (pid <= 0 || tep_is_pid_registered(tep, pid))
		return;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (ks_read_file(path, &comm, NULL))
		return;
	tep_register_comm(tep, ks_strip(comm), pid);
	free(comm);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct stream_event *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : x->cpu - y->cpu;
}

/* Read every page that is ready on every CPU, then print its events in time order. */
static int stream_batch(struct stream_ctx *c, struct ks_printer *pr, struct kbuffer *kbuf,
			struct ks_buf *data, struct stream_event **evs, size_t *cap)
{
	char *page = malloc(c->page_size);
	size_t n = 0, i;
	int cpu;

	if (!page)
		return -ENOMEM;
	data->len = 0;
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		int pages = 0;

		while (c->fds[cpu] >= 0 && pages++ < 256) {
			ssize_t r = read(c->fds[cpu], page, c->page_size);
			unsigned long long ts;
			long long missed;
			void *ev;

			if (r <= 0)
				break;
			if (kbuffer_load_subbuffer(kbuf, page) < 0)
				break;
			missed = kbuffer_missed_events(kbuf);
			for (ev = kbuffer_read_event(kbuf, &ts); ev; ev = kbuffer_next_event(kbuf, &ts)) {
				int size = kbuffer_event_size(kbuf);

				if (n == *cap) {
					struct stream_event *ne = realloc(*evs, (*cap * 2 + 256) *
									  sizeof(**evs));
					if (!ne)
						goto out;
					*evs = ne;
					*cap = *cap * 2 + 256;
				}
				(*evs)[n] = (struct stream_event){ ts, cpu, size, missed, data->len };
				missed = 0;
				if (ks_buf_add(data, ev, size))
					goto out;
				n++;
			}
		}
	}
	qsort(*evs, n, sizeof(**evs), ev_cmp);
	for (i = 0; i < n; i++) {
		struct tep_record rec = {
			.ts = (*evs)[i].ts, .cpu = (*evs)[i].cpu, .size = (*evs)[i].size,
			.record_size = (*evs)[i].size, .missed_events = (*evs)[i].missed,
			.data = data->data + (*evs)[i].off,
		};

		learn_comm(c->tep, &rec);
		ks_printer_record(pr, &rec);
	}
out:
	free(page);
	return ks_printer_flush(pr);
}

static int stream_run(struct stream_ctx *c)
{
	struct kbuffer *kbuf = kbuffer_alloc(sizeof(long) == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
					     KBUFFER_ENDIAN_LITTLE);
	struct stream_event *evs = NULL;
	struct ks_buf data = { 0 };
	struct ks_printer pr;
	sigset_t mask;
	uint64_t deadline = 0;
	size_t cap = 0;
	int sfd, ret;

	if (!kbuf || ks_printer_init(&pr, c->tep, STDOUT_FILENO,
				     ks_printer_time_mode(c->clock ? c->clock : "local"))) {
		kbuffer_free(kbuf);
		return ks_err_set(&c->err, -ENOMEM, "out of memory");
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->duration > 0)
		deadline = ks_now_ns() + (uint64_t)(c->duration * 1e9);
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;

		/* Take the signal off the queue: it asked for a clean stop, not death. */
		if (poll(&pfd, 1, 100) > 0 && read(sfd, &si, sizeof(si)) > 0)
			break;
		if (deadline && ks_now_ns() >= deadline)
			break;
		ret = stream_batch(c, &pr, kbuf, &data, &evs, &cap);
		if (ret)
			break;
	}
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	ret = stream_batch(c, &pr, kbuf, &data, &evs, &cap);
	close(sfd);
	ks_printer_free(&pr);
	kbuffer_free(kbuf);
	ks_buf_free(&data);
	free(evs);
	if (ret == -EPIPE)
		return 0;
	return ret ? ks_err_set(&c->err, ret, "writing output: %s", strerror(-ret)) : 0;
}

int ks_cmd_stream(int argc, char **argv)
{
	struct stream_ctx c = { 0 };
	struct ks_err e;
	sigset_t mask, old;
	int ret, code = KS_EXIT_OK, i;

	ret = stream_parse(&c, argc, argv);
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "kscope stream: %s\n", c.err.msg);
		free(c.patterns);
		free(c.filters);
		free(c.pids);
		return ret > 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGPIPE);
	sigprocmask(SIG_BLOCK, &mask, &old);
	ret = stream_setup(&c);
	if (ret) {
		fprintf(stderr, "kscope stream: %s\n", c.err.msg);
		code = ret == -ENOENT || ret == -EINVAL ? KS_EXIT_USAGE : KS_EXIT_FAIL;
	} else if (stream_run(&c)) {
		fprintf(stderr, "kscope stream: %s\n", c.err.msg);
		code = KS_EXIT_FAIL;
	}
	for (i = 0; c.fds && i < c.ncpus; i++)
		if (c.fds[i] >= 0)
			close(c.fds[i]);
	free(c.fds);
	if (c.sess && ks_session_close(c.sess, &e)) {
		fprintf(stderr, "kscope stream: cleanup: %s (run 'kscope reset')\n", e.msg);
		code = KS_EXIT_FAIL;
	}
	if (c.tep) {
		if (c.plugins)
			tep_unload_plugins(c.plugins, c.tep);
		tep_free(c.tep);
	}
	ks_evsel_free(&c.sel);
	ks_evsel_free(&c.all);
	free(c.patterns);
	free(c.filters);
	free(c.pids);
	/* Signals that arrived during cleanup (SIGPIPE from "| head") were handled: drop them. */
	{
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&mask, NULL, &zero) > 0)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}

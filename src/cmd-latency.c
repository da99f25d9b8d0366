// SPDX-License-Identifier: GPL-2.0-only
/*
 * kscope latency: run a latency tracer (irqsoff, preemptoff, preemptirqsoff,
 * wakeup, wakeup_rt, wakeup_dl) at the top level, journaled, and print the worst
 * latency with where it started and ended and its trace; with --threshold, every
 * latency above it as it happens.
 * parse -> setup (journaled top level) -> run (watch tracing_max_latency) -> report -> cleanup
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/kernel/child.h"
#include "kscope/cmds.h"
#include "kscope/base/opts.h"
#include "kscope/kernel/session.h"
#include "kscope/kernel/tracer.h"

enum { OPT_THRESHOLD = 256, OPT_DURATION, OPT_FUNCTION_TRACE };

static const struct ks_opt latency_opts[] = {
	{ OPT_THRESHOLD, "threshold", "US", "list every latency above US microseconds (tracing_thresh)" },
	{ OPT_DURATION, "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ OPT_FUNCTION_TRACE, "function-trace", NULL, "also trace every function inside (very slow)" },
	{ 'q', "quiet", NULL, "print only the latency lines, not the trace of the worst case" },
	{ 0 },
};

static const struct ks_cmd_help latency_help = {
	.name = "latency",
	.usage = "irqsoff|preemptoff|preemptirqsoff|wakeup|wakeup_rt|wakeup_dl\n"
		 "                      [--threshold US] [--duration SECS] [--function-trace] [-q]\n"
		 "                      [-- command [args]]",
	.summary = "Measure the longest irqs-off / preempt-off section or wakeup latency with the\n"
		   "kernel's latency tracer and print \"latency: N us\", the task and CPU, where it\n"
		   "started and ended, and the trace with its stack. These tracers only run at the\n"
		   "top level: every setting changed there is journaled and restored on exit,\n"
		   "Ctrl-C, SIGTERM, or by 'kscope reset' after SIGKILL.",
	.opts = latency_opts,
	.operands_anywhere = 1,
};

struct lat_hit {
	unsigned long long us;
	int cpu;
	char task[64];
	char started[128];
	char ended[128];
	char *body;		/* the trace lines after the header */
};

struct latency_ctx {
	const char *tracer;
	long long threshold;
	double duration;
	bool function_trace;
	bool quiet;
	char **cmd;
	struct ks_session *sess;
	struct ks_child child;
	sigset_t old_mask;
	int sig_fd;
	int ino_fd;
	struct lat_hit worst;
	unsigned long long last_us;
	char last_head[256];
	int hits;
	struct ks_err err;
};

static void hit_free(struct lat_hit *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}

/* Pull the header lines of a latency tracer's `trace` file apart. */
static int parse_trace(char *text, struct lat_hit *h, char *head, size_t head_size)
{
	char *line, *save = NULL, *body_start = NULL, *p;
	struct ks_buf body = { 0 };

	memset(h, 0, sizeof(*h));
	h->cpu = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#') {
			if (!body_start)
				body_start = line;
			ks_buf_addf(&body, "%s\n", line);
			continue;
		}
		if ((p = strstr(line, "# latency: "))) {
			h->us = strtoull(p + 11, NULL, 10);
			if ((p = strstr(line, "CPU#")))
				h->cpu = atoi(p + 4);
			snprintf(head, head_size, "%s", line);
		} else if ((p = strstr(line, "| task: "))) {
			snprintf(h->task, sizeof(h->task), "%.*s", (int)strcspn(p + 8, " "), p + 8);
		} else if ((p = strstr(line, "=> started at: "))) {
			snprintf(h->started, sizeof(h->started), "%s", ks_strip(p + 15));
		} else if ((p = strstr(line, "=> ended at:"))) {
			snprintf(h->ended, sizeof(h->ended), "%s", ks_strip(p + 12));
		}
	}
	h->body = body.data;
	return h->us || body_start ? 0 : -ENODATA;
}

static int latency_parse(struct latency_ctx *c, int argc, char **argv)
{
	struct ks_opts_state st;
	int opt, ret = 0, i, v;

	c->threshold = -1;
	ks_opts_init(&st, &latency_help, argc, argv);
	while (!ret && (opt = ks_opts_next(&st)) != -1) {
		switch (opt) {
		case OPT_THRESHOLD:
			if (ks_parse_int(st.optarg, &v) || v < 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad --threshold '%s' (microseconds)",
						 st.optarg);
			else
				c->threshold = v;
			break;
		case OPT_DURATION:
			if (ks_parse_duration(st.optarg, &c->duration) || c->duration <= 0)
				ret = ks_err_set(&c->err, -EINVAL, "bad duration '%s'", st.optarg);
			break;
		case OPT_FUNCTION_TRACE:
			c->function_trace = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			ks_opts_help(stdout, &latency_help);
			ks_opts_free(&st);
			return 1;
		default:
			ret = ks_err_set(&c->err, -EINVAL, "%s (see --help)", st.bad);
		}
	}
	i = ks_opts_index(&st);
	ks_opts_free(&st);
	if (ret)
		return ret;
	if (i >= argc)
		return ks_err_set(&c->err, -EINVAL, "which tracer? irqsoff, preemptoff, "
				  "preemptirqsoff, wakeup, wakeup_rt or wakeup_dl");
	c->tracer = argv[i++];
	if (!ks_tracer_is_latency(c->tracer))
		return ks_err_set(&c->err, -EINVAL, "'%s' is not a latency tracer (irqsoff, "
				  "preemptoff, preemptirqsoff, wakeup, wakeup_rt, wakeup_dl); "
				  "for other tracers use 'kscope record -p'", c->tracer);
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i < argc)
		c->cmd = argv + i;
	if (c->cmd && ks_child_check(c->cmd, &c->err))
		return -EINVAL;
	return 0;
}

static int latency_setup(struct latency_ctx *c)
{
	struct ks_tracer_opts o = { .name = c->tracer, .function_trace = c->function_trace,
				    .thresh_us = c->threshold >= 0 ? c->threshold : 0 };
	char path[4200];
	int ret;

	c->sig_fd = ks_child_signalfd(&c->old_mask);
	if (c->sig_fd < 0)
		return ks_err_set(&c->err, c->sig_fd, "signalfd: %s", strerror(-c->sig_fd));
	if (c->cmd) {
		ret = ks_child_fork(&c->child, c->cmd, &c->old_mask, &c->err);
		if (ret)
			return ret;
	}
	ret = ks_session_open_top(&c->sess, "latency", &c->err);
	if (ret)
		return ret;
	ret = ks_session_write(c->sess, "tracing_on", "0", &c->err);
	if (!ret)
		ret = ks_tracer_apply(c->sess, &o, &c->err);
	if (ret)
		return ret;
	/* The kernel signals a new maximum with an inotify event on tracing_max_latency. */
	snprintf(path, sizeof(path), "%s/tracing_max_latency", ks_session_dir(c->sess));
	c->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (c->ino_fd >= 0 && inotify_add_watch(c->ino_fd, path, IN_MODIFY) < 0) {
		close(c->ino_fd);
		c->ino_fd = -1;
	}
	return 0;
}

static void print_hit(const struct lat_hit *h, const char *tracer)
{
	printf("latency: %llu us  %s  cpu %d  task %s  started at %s  ended at %s\n", h->us, tracer,
	       h->cpu, h->task[0] ? h->task : "-", h->started[0] ? h->started : "-",
	       h->ended[0] ? h->ended : "-");
	fflush(stdout);
}

/* A new maximum (or, with a threshold, a new latency over it): read the kernel's trace. */
static void latency_check(struct latency_ctx *c)
{
	char *val = tracefs_instance_file_read(NULL, "tracing_max_latency", NULL), *text;
	char head[256] = "";
	struct lat_hit h;
	unsigned long long us = val ? strtoull(val, NULL, 10) : 0;

	free(val);
	if (!us || (us == c->last_us && c->threshold < 0))
		return;
	text = tracefs_instance_file_read(NULL, "trace", NULL);
	if (!text)
		return;
	if (!parse_trace(text, &h, head, sizeof(head)) && strcmp(head, c->last_head)) {
		snprintf(c->last_head, sizeof(c->last_head), "%s", head);
		c->last_us = us;
		if (c->threshold >= 0) {
			c->hits++;
			print_hit(&h, c->tracer);
		}
		if (h.us >= c->worst.us) {
			hit_free(&c->worst);
			c->worst = h;
		} else {
			hit_free(&h);
		}
	} else {
		hit_free(&h);
	}
	free(text);
}

static int latency_run(struct latency_ctx *c)
{
	uint64_t deadline = 0;
	int ret;

	ret = ks_session_write(c->sess, "tracing_on", "1", &c->err);
	if (ret)
		return ret;
	if (c->duration > 0)
		deadline = ks_now_ns() + (uint64_t)(c->duration * 1e9);
	ret = ks_child_start(&c->child);
	if (ret)
		return ks_err_set(&c->err, ret, "cannot start the command: %s", strerror(-ret));
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->sig_fd, .events = POLLIN },
			{ .fd = c->ino_fd, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		char evbuf[4096];
		int timeout = c->ino_fd >= 0 ? 1000 : 50;
		uint64_t now = ks_now_ns();

		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(pfd, c->ino_fd >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR)
			return ks_err_set(&c->err, -errno, "poll: %s", strerror(errno));
		if (pfd[0].revents && read(c->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD)
				break;
			if (ks_child_reap(&c->child)) {
				if (c->child.exec_errno)
					return ks_err_set(&c->err, -c->child.exec_errno,
							  "cannot run '%s': %s", c->cmd[0],
							  strerror(c->child.exec_errno));
				break;
			}
		}
		if (c->ino_fd >= 0 && pfd[1].revents)
			while (read(c->ino_fd, evbuf, sizeof(evbuf)) > 0)
				;
		latency_check(c);
	}
	ks_session_write(c->sess, "tracing_on", "0", NULL);
	latency_check(c);
	return 0;
}

static void latency_report(struct latency_ctx *c)
{
	if (c->threshold >= 0)
		printf("%d latenc%s above %lld us\n", c->hits, c->hits == 1 ? "y" : "ies",
		       c->threshold);
	if (!c->worst.us && !c->worst.body) {
		printf("latency: 0 us (no %s latency was recorded)\n", c->tracer);
		return;
	}
	if (c->threshold >= 0)
		printf("worst:\n");
	printf("latency: %llu us\n", c->worst.us);
	/* The wakeup tracers' header has no start and end: "-" as in the threshold lines. */
	printf("tracer:  %s\ncpu:     %d\ntask:    %s\nstarted: %s\nended:   %s\n", c->tracer,
	       c->worst.cpu, c->worst.task[0] ? c->worst.task : "-",
	       c->worst.started[0] ? c->worst.started : "-",
	       c->worst.ended[0] ? c->worst.ended : "-");
	if (!c->quiet && c->worst.body)
		printf("\n%s", c->worst.body);
}

int ks_cmd_latency(int argc, char **argv)
{
	struct latency_ctx c = { .sig_fd = -1, .ino_fd = -1, .child.go_fd = -1,
				 .child.exec_fd = -1 };
	struct ks_err e;
	int ret, code = KS_EXIT_OK;

	ret = latency_parse(&c, argc, argv);
	if (ret) {
		if (ret < 0)
			fprintf(stderr, "kscope latency: %s\n", c.err.msg);
		return ret > 0 ? KS_EXIT_OK : KS_EXIT_USAGE;
	}
	ret = latency_setup(&c);
	if (!ret)
		ret = latency_run(&c);
	if (ret) {
		fprintf(stderr, "kscope latency: %s\n", c.err.msg);
		code = ret == -ENOENT || ret == -EINVAL ? KS_EXIT_USAGE : KS_EXIT_FAIL;
	} else {
		latency_report(&c);
	}
	ks_child_end(&c.child);
	if (c.sess && ks_session_close(c.sess, &e)) {
		fprintf(stderr, "kscope latency: cleanup: %s (run 'kscope reset')\n", e.msg);
		code = KS_EXIT_FAIL;
	}
	if (c.ino_fd >= 0)
		close(c.ino_fd);
	if (c.sig_fd >= 0)
		close(c.sig_fd);
	hit_free(&c.worst);
	sigprocmask(SIG_SETMASK, &c.old_mask, NULL);
	return code;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stack analyses' run (KS_PLUGIN_STACKS, bcc's offcputime): off-CPU stacks are
 * recorded through the profile layer into a trace.dat of their own (or read from a
 * kscope profile --off-cpu recording with -i), read back with their symbols, and
 * handed to the plugin one ended blocked interval at a time. Nothing here touches
 * tracefs: perf_event samples sched_switch with callchains, which works where
 * function tracing, kprobes and eBPF do not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis-priv.h"
#include "kscope/analysis/analysis.h"
#include "kscope/output/hist.h"
#include "kscope/profile/prof.h"
#include "kscope/profile/profsess.h"

#define STACK_BYTES 8192		/* user stack copied per sample: unused with fp */

/* --buffer-kb as perf ring pages: a power of two, from 8 to 4096. */
static unsigned int ring_pages(int buffer_kb)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	unsigned int pages = 8;

	if (page_kb <= 0)
		page_kb = 4;
	while (pages < 4096 && (long)pages * 2 * page_kb <= buffer_kb)
		pages *= 2;
	return pages;
}

/* Sample the off-CPU stacks into @path until the command, -p or the duration ends. */
static int record(struct ks_analysis *a, const char *path, struct ks_analysis_end *end)
{
	/*
	 * With events of their own (wakeups), any task may be the one they run in: then
	 * everything is sampled and the tasks asked about are picked out here.
	 */
	struct ks_profsess_opts o = {
		.events = a->stack_events, .nevents = a->nstack_events,
		.offcpu = true, .cg = KS_PERF_CG_FP, .stack_size = STACK_BYTES,
		.all_cpus = a->nstack_events || (!a->o.npids && !a->o.cmd),
		.pids = a->o.pids, .npids = a->o.npids, .cpu_list = a->o.cpu_list,
		.duration = a->o.duration, .mmap_pages = ring_pages(a->o.buffer_kb),
		.output = path, .cmd = a->o.cmd,
	};
	const char *start = a->p->tracing_fn ? a->p->tracing_fn(a->priv) : a->p->tracing;
	struct ks_profsess *s = NULL;
	struct ks_run *run;
	int ret;

	ret = ks_profsess_new(&s, &o, a->err);
	if (ret)
		goto out;
	if (ks_profsess_user_only(s))
		fprintf(stderr, "kscope %s: kernel stacks are not allowed here "
			"(perf_event_paranoid): user frames only\n", a->p->name);
	if (start && !a->o.json) {
		if (a->o.duration > 0)
			fprintf(a->out, "%s for %g secs.\n", start, a->o.duration);
		else
			fprintf(a->out, "%s... Hit Ctrl-C to end.\n", start);
		fflush(a->out);
		a->stack_header = true;
	}
	run = ks_profsess_run_state(s);
	a->cmd_pid = a->o.cmd ? run->child.pid : 0;
	ret = ks_profsess_run(s, 1000, NULL, NULL);
	end->exec_failed = ks_run_exec_failed(run);
	end->status = ks_run_exit_status(run);
	if (!ret && end->exec_failed)
		ret = -run->child.exec_errno;
	if (!ret)
		ret = ks_profsess_write(s);
	if (!ret) {
		const struct ks_profrec_stats *st = ks_profsess_stats(s);

		a->lost = st->lost + st->lost_samples;
	}
out:
	ks_profsess_free(s);
	return ret;
}

static bool cpu_wanted(const struct ks_analysis *a, int cpu)
{
	int i;

	for (i = 0; i < a->o.ncpus; i++)
		if (a->o.cpus[i] == cpu)
			return true;
	return !a->o.ncpus;
}

bool ks_analysis_stack_pid_wanted(struct ks_analysis *a, int pid)
{
	int i;

	for (i = 0; i < a->o.npids; i++)
		if (a->o.pids[i] == pid)
			return true;
	if (a->o.npids)
		return false;
	if (!a->cmd_pid)
		return true;
	/* The command's own process was forked before sampling began: its pid is known. */
	for (i = 0; i < 64 && pid > 0; i++, pid = ks_prof_parent(a->prof, pid))
		if (pid == a->cmd_pid)
			return true;
	return false;
}

bool ks_analysis_stack_tid_wanted(struct ks_analysis *a, int tid)
{
	int pid = ks_prof_tgid(a->prof, tid);

	return pid < 0 || ks_analysis_stack_pid_wanted(a, pid);
}

/* Which of the plugin's stack events sample @s is of: 0, 1, ..., or -1. */
static int stack_event_of(const struct ks_analysis *a, const struct ks_prof_sample *s)
{
	int i;

	for (i = 0; i < a->nstack_events; i++)
		if (a->stack_event_index[i] == (int)s->event)
			return i;
	return -1;
}

/* The recording's off-CPU stacks and the plugin's events in it (-i: the user's file). */
static int find_stack_events(struct ks_analysis *a, struct ks_prof *prof)
{
	const struct ks_prof_info *in = ks_prof_info(prof);
	const char *file = a->o.input ? a->o.input : "the recording";
	char cmd[256];
	int i, j, n;

	n = snprintf(cmd, sizeof(cmd), "kscope profile --off-cpu");
	for (i = 0; i < a->nstack_events; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -e %s", a->stack_events[i]);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -a -o %s", a->o.input ? a->o.input :
		 "FILE");
	if (in->offcpu_event < 0)
		return ks_err_input(a->err, -EINVAL, "%s has no off-CPU stacks; record them with: "
				    "%s", file, cmd);
	for (i = 0; i < a->nstack_events; i++) {
		for (j = 0; j < in->nevents && strcmp(in->event[j], a->stack_events[i]); j++)
			;
		if (j == in->nevents)
			return ks_err_input(a->err, -EINVAL, "%s has no %s samples; record them "
					    "with: %s", file, a->stack_events[i], cmd);
		a->stack_event_index[i] = j;
	}
	return 0;
}

/* Every blocked interval that ended, to the plugin; then its report. */
static int feed(struct ks_analysis *a, struct ks_prof *prof)
{
	struct ks_prof_sample s;
	int self = (int)getpid(), ret;

	while ((ret = ks_prof_next(prof, &s)) > 0) {
		if (!s.offcpu) {
			/* A sample of the plugin's own events: the plugin picks what it needs. */
			s.event = (unsigned int)stack_event_of(a, &s);
			if ((int)s.event < 0 || !cpu_wanted(a, s.cpu))
				continue;
			a->p->sample(a, a->priv, &s);
			continue;
		}
		/* bcc counts a block when the thread runs again: one still blocked has no end. */
		if (s.unfinished || !cpu_wanted(a, s.cpu) ||
		    !ks_analysis_stack_pid_wanted(a, s.pid))
			continue;
		/* Live, kscope's own waits (for the rings to fill) are not the machine's. */
		if (!a->o.input && s.pid == self)
			continue;
		if (!a->start)
			a->start = s.time;
		a->now = s.time + s.weight;
		a->p->sample(a, a->priv, &s);
	}
	if (ret < 0)
		return ks_err_input(a->err, ret, "%s is corrupted", a->o.input ? a->o.input :
				    "the recording");
	ks_analysis_emit_begin(a, true);
	/* bcc's blank line between its start line and the stacks. */
	if (a->stack_header)
		fputc('\n', a->out);
	if (a->p->report)
		a->p->report(a, a->priv, true);
	ks_analysis_emit_end(a, true);
	ret = ks_analysis_flush(a);
	return ret < 0 ? ret : 0;
}

/* The tracepoints sampled: a kernel without them is said to lack them (exit status 3). */
static int kernel_has_events(struct ks_analysis *a)
{
	const char *tracefs = ks_tracefs_dir(a->err);
	char missing[128];

	if (!tracefs)
		return -ENODEV;
	if (ks_analysis_missing(a->p, tracefs, missing, sizeof(missing)))
		return ks_err_kernel(a->err, -ENOENT, "events", "this kernel has no %s event "
				     "(it needs CONFIG_TRACEPOINTS)", missing);
	return 0;
}

int ks_analysis_stacks_run(struct ks_analysis *a, struct ks_analysis_end *end)
{
	struct ks_prof_opts po = { .no_lines = true };
	const char *tmpdir = getenv("TMPDIR");
	char path[4096] = "";
	struct ks_prof *prof = NULL;
	int ret;

	ret = a->p->setup ? a->p->setup(a, a->priv, a->err) : 0;
	if (ret)
		return ret;
	if (a->o.print_events) {
		int i;

		fprintf(a->out, "kscope profile --off-cpu");
		for (i = 0; i < a->nstack_events; i++)
			fprintf(a->out, " -e %s", a->stack_events[i]);
		fprintf(a->out, " -a -o %s.dat\n", a->p->name);
		return 0;
	}
	if (!a->o.input) {
		ret = kernel_has_events(a);
		if (ret)
			return ret;
		snprintf(path, sizeof(path), "%s/kscope-%s-%d.dat", tmpdir && *tmpdir ? tmpdir :
			 "/tmp", a->p->name, (int)getpid());
		ret = record(a, path, end);
		if (ret)
			goto out;
	}
	ret = ks_prof_open(a->o.input ? a->o.input : path, &po, &prof, a->err);
	if (ret) {
		if (a->o.input)
			ks_err_mark_input(a->err, ret);
		goto out;
	}
	a->prof = prof;
	ret = find_stack_events(a, prof);
	if (ret)
		goto out;
	if (!a->o.input)
		a->lost += ks_prof_stats(prof)->lost;
	ret = feed(a, prof);
	if (a->o.input)
		a->lost = ks_prof_stats(prof)->lost;
out:
	ks_prof_close(prof);
	if (path[0])
		unlink(path);
	return ret;
}

static void json_names(FILE *f, const char *key, const char *const *v, unsigned int n)
{
	unsigned int i;

	fprintf(f, ", \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		ks_json_str(f, v[i]);
	}
	fputc(']', f);
}

static void stack_json(struct ks_analysis *a, const struct ks_stack_out *s)
{
	FILE *f = a->out;

	ks_analysis_item_begin(a, "stack");
	fprintf(f, "{\"comm\": ");
	ks_json_str(f, s->comm);
	fprintf(f, ", \"pid\": %d", s->pid);
	json_names(f, "kernel", s->kernel, s->nkernel);
	json_names(f, "user", s->user, s->nuser);
	if (s->layout != KS_STACK_OFFCPU) {
		fprintf(f, ", \"waker\": ");
		ks_json_str(f, s->waker);
		fprintf(f, ", \"waker_pid\": %d", s->waker_pid);
		json_names(f, "waker_kernel", s->waker_kernel, s->nwaker_kernel);
		json_names(f, "waker_user", s->waker_user, s->nwaker_user);
	}
	fprintf(f, ", \"value\": %llu}}", (unsigned long long)s->value);
}

/* @n names, leaf first, printed root first (@root_first) or as they are, each after @sep. */
static void names(FILE *f, const char *const *v, unsigned int n, bool root_first,
		  const char *sep, const char *end)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s%s", sep, v[root_first ? n - 1 - i : i], end);
}

static void stack_folded(FILE *f, const struct ks_stack_out *s)
{
	bool delimit = s->delimit && s->nkernel && s->nuser;
	bool wdelimit = s->delimit && s->nwaker_kernel && s->nwaker_user;

	switch (s->layout) {
	case KS_STACK_OFFCPU:
		/* Root first, the user's frames then the kernel's. */
		fputs(s->comm, f);
		names(f, s->user, s->nuser, true, ";", "");
		fputs(delimit ? ";-" : "", f);
		names(f, s->kernel, s->nkernel, true, ";", "");
		break;
	case KS_STACK_WAKER:
		fputs(s->waker, f);
		names(f, s->waker_user, s->nwaker_user, true, ";", "");
		names(f, s->waker_kernel, s->nwaker_kernel, true, ";", "");
		fprintf(f, ";%s", s->comm);
		break;
	case KS_STACK_OFFWAKE:
		/* The blocked stack root first, then the waker's leaf first: a flame both ways. */
		fputs(s->comm, f);
		names(f, s->user, s->nuser, true, ";", "");
		fputs(delimit ? ";-" : "", f);
		names(f, s->kernel, s->nkernel, true, ";", "");
		fputs(";--", f);
		names(f, s->waker_kernel, s->nwaker_kernel, false, ";", "");
		fputs(wdelimit ? ";-" : "", f);
		names(f, s->waker_user, s->nwaker_user, false, ";", "");
		fprintf(f, ";%s", s->waker);
		break;
	}
	fprintf(f, " %llu\n", (unsigned long long)s->value);
}

void ks_analysis_stack(struct ks_analysis *a, const struct ks_stack_out *s)
{
	bool delimit = s->delimit && s->nkernel && s->nuser;
	bool wdelimit = s->delimit && s->nwaker_kernel && s->nwaker_user;
	FILE *f = a->out;

	if (a->o.json) {
		stack_json(a, s);
		return;
	}
	if (s->folded) {
		stack_folded(f, s);
		return;
	}
	switch (s->layout) {
	case KS_STACK_OFFCPU:
		names(f, s->kernel, s->nkernel, false, "    ", "\n");
		fputs(delimit ? "    --\n" : "", f);
		names(f, s->user, s->nuser, false, "    ", "\n");
		fprintf(f, "    %-16s %s (%d)\n", "-", s->comm, s->pid);
		break;
	case KS_STACK_WAKER:
		fprintf(f, "    %-16s %s\n", "target:", s->comm);
		names(f, s->waker_kernel, s->nwaker_kernel, false, "    ", "\n");
		names(f, s->waker_user, s->nwaker_user, false, "    ", "\n");
		fprintf(f, "    %-16s %s\n", "waker:", s->waker);
		break;
	case KS_STACK_OFFWAKE:
		/* The waker root first down to its wakeup, then the blocked thread leaf first. */
		fprintf(f, "    %-16s %s %d\n", "waker:", s->waker, s->waker_pid);
		names(f, s->waker_user, s->nwaker_user, true, "    ", "\n");
		fputs(wdelimit ? "    -\n" : "", f);
		names(f, s->waker_kernel, s->nwaker_kernel, true, "    ", "\n");
		fprintf(f, "    %-16s %s\n", "--", "--");
		names(f, s->kernel, s->nkernel, false, "    ", "\n");
		fputs(delimit ? "    -\n" : "", f);
		names(f, s->user, s->nuser, false, "    ", "\n");
		fprintf(f, "    %-16s %s %d\n", "target:", s->comm, s->pid);
		break;
	}
	fprintf(f, "        %llu\n\n", (unsigned long long)s->value);
}

int ks_analysis_stack_event(struct ks_analysis *a, const char *name, struct ks_err *err)
{
	if (a->nstack_events == KS_ANALYSIS_MAX_STACK_EVENTS)
		return ks_err_set(err, -E2BIG, "too many sampled events");
	a->stack_events[a->nstack_events] = name;
	return a->nstack_events++;
}

int ks_analysis_stack_field(struct ks_analysis *a, int event, const char *field,
			    struct ks_field *out, struct ks_err *err)
{
	const char *name = event >= 0 && event < a->nstack_events ? a->stack_events[event] : "";
	const char *colon = strchr(name, ':');
	struct tep_event *ev = NULL;
	char sys[64];

	if (colon && a->prof && colon - name < (int)sizeof(sys)) {
		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - name), name);
		ev = tep_find_event_by_name(ks_prof_tep(a->prof), sys, colon + 1);
	}
	if (!ev || ks_analysis_field_of(ev, field, out))
		return ks_err_set(err, -ENOENT, "%s has no field '%s' in this recording", name,
				  field);
	return 0;
}

double ks_analysis_duration(const struct ks_analysis *a)
{
	return a->o.duration;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Capability probe: what tracefs, perf_event and the kernel's policy allow here. */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/base/parse.h"
#include "kscope/kernel/caps.h"
#include "kscope/kernel/proc.h"
#include "kscope/kernel/session.h"

const char *ks_cap_str(enum ks_cap_state s)
{
	switch (s) {
	case KS_CAP_YES:
		return "yes";
	case KS_CAP_FORBIDDEN:
		return "forbidden";
	default:
		return "no";
	}
}

static bool tracefs_has(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static void read_trimmed(const char *path, char *out, size_t size)
{
	char *t;

	out[0] = '\0';
	if (ks_read_file(path, &t, NULL))
		return;
	snprintf(out, size, "%s", ks_strip(t));
	free(t);
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

static void count_events(struct ks_caps *c)
{
	char path[1024];
	struct dirent *sd, *ed;
	DIR *d, *e;

	snprintf(path, sizeof(path), "%s/events", c->tracefs);
	d = opendir(path);
	if (!d)
		return;
	while ((sd = readdir(d))) {
		/* As 'list -e' counts: ftrace's own events cannot be enabled. */
		if (sd->d_name[0] == '.' || sd->d_type != DT_DIR || !strcmp(sd->d_name, "ftrace"))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", c->tracefs, sd->d_name);
		e = opendir(path);
		if (!e)
			continue;
		c->systems++;
		while ((ed = readdir(e)))
			if (ed->d_name[0] != '.' && ed->d_type == DT_DIR)
				c->events++;
		closedir(e);
	}
	closedir(d);
}

/* Select a tracer in a throw-away instance: the only honest test of "can it run". */
static void probe_instance_tracers(struct ks_caps *c)
{
	struct ks_session *s;
	struct ks_err err;
	const char *t[] = { "function", "function_graph" };
	enum ks_cap_state *st[] = { &c->function, &c->function_graph };
	size_t i;

	if (ks_session_open(&s, "check", &err)) {
		c->instances = KS_CAP_FORBIDDEN;
		return;
	}
	c->instances = KS_CAP_YES;
	for (i = 0; i < KS_ARRAY_SIZE(t); i++) {
		if (!word_in(c->tracers, t[i]))
			continue;
		errno = 0;
		if (tracefs_instance_file_write(ks_session_instance(s), "current_tracer", t[i]) > 0) {
			*st[i] = KS_CAP_YES;
			tracefs_instance_file_write(ks_session_instance(s), "current_tracer", "nop");
		} else {
			/* Listed but refused: EPERM, or EINVAL/ENODEV under lockdown. */
			*st[i] = KS_CAP_FORBIDDEN;
		}
	}
	ks_session_close(s, &err);
}

static long perf_open(struct perf_event_attr *attr)
{
	return syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static enum ks_cap_state perf_try(unsigned int type, unsigned long long config)
{
	struct perf_event_attr attr = { 0 };
	long fd;

	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = config;
	attr.disabled = 1;
	attr.exclude_kernel = 0;
	attr.sample_period = type == PERF_TYPE_TRACEPOINT ? 1 : 1000000;
	fd = perf_open(&attr);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = perf_open(&attr);
		if (fd < 0)
			return KS_CAP_FORBIDDEN;
	}
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? KS_CAP_FORBIDDEN : KS_CAP_NO;
	close((int)fd);
	return KS_CAP_YES;
}

static void probe_perf(struct ks_caps *c)
{
	char buf[64], path[512];
	struct dirent *de;
	DIR *d;
	uint64_t id;

	read_trimmed("/proc/sys/kernel/perf_event_paranoid", buf, sizeof(buf));
	c->perf_paranoid = buf[0] ? atoi(buf) : -100;
	d = opendir("/sys/bus/event_source/devices");
	if (d) {
		size_t n = 0;

		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			n += snprintf(c->pmus + n, n < sizeof(c->pmus) ? sizeof(c->pmus) - n : 0,
				      "%s%s", n ? " " : "", de->d_name);
			if (n >= sizeof(c->pmus))
				break;
		}
		closedir(d);
	}
	c->perf_hw = perf_try(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	c->perf_sw = perf_try(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
	snprintf(path, sizeof(path), "%s/events/sched/sched_switch/id", c->tracefs);
	read_trimmed(path, buf, sizeof(buf));
	c->perf_tracepoint = ks_parse_u64(buf, &id) ? KS_CAP_NO :
		perf_try(PERF_TYPE_TRACEPOINT, id);
}

/* Write back the value it already has: tells "allowed" from "EPERM" and changes nothing. */
static void probe_ftrace_enabled(struct ks_caps *c)
{
	char buf[32];

	read_trimmed("/proc/sys/kernel/ftrace_enabled", buf, sizeof(buf));
	if (!buf[0]) {
		c->ftrace_enabled = -1;
		c->ftrace_enabled_write = KS_CAP_NO;
		return;
	}
	c->ftrace_enabled = atoi(buf);
	c->ftrace_enabled_write = ks_write_file("/proc/sys/kernel/ftrace_enabled", buf) ?
		KS_CAP_FORBIDDEN : KS_CAP_YES;
}

/* Whether a tracefs is mounted anywhere yet (/proc/mounts: "nodev /sys/kernel/tracing tracefs"). */
static bool tracefs_mounted(void)
{
	char *mounts;
	bool yes;

	if (ks_read_file("/proc/self/mounts", &mounts, NULL))
		return false;
	yes = strstr(mounts, " tracefs ") != NULL;
	free(mounts);
	return yes;
}

int ks_caps_probe(struct ks_caps *c, struct ks_err *err)
{
	const char *dir;
	char path[512], buf[64], *readme = NULL, *t;
	bool mounted = tracefs_mounted();

	memset(c, 0, sizeof(*c));
	c->ncpus = ks_proc_ncpus();
	c->btf = access("/sys/kernel/btf/vmlinux", F_OK) == 0;
	read_trimmed("/sys/kernel/security/lockdown", c->lockdown, sizeof(c->lockdown));
	if (!c->lockdown[0])
		snprintf(c->lockdown, sizeof(c->lockdown), "unknown");
	probe_ftrace_enabled(c);

	dir = ks_tracefs_dir(err);
	if (!dir)
		return -ENODEV;
	c->tracefs_mounted_by_us = !mounted;
	snprintf(c->tracefs, sizeof(c->tracefs), "%s", dir);
	probe_perf(c);
	snprintf(path, sizeof(path), "%s/available_tracers", dir);
	read_trimmed(path, c->tracers, sizeof(c->tracers));
	{
		const char *lat[] = { "irqsoff", "preemptoff", "preemptirqsoff", "wakeup",
				      "wakeup_rt", "wakeup_dl" };
		size_t i, n = 0;

		for (i = 0; i < KS_ARRAY_SIZE(lat); i++)
			if (word_in(c->tracers, lat[i]))
				n += snprintf(c->latency_tracers + n,
					      sizeof(c->latency_tracers) - n, "%s%s",
					      n ? " " : "", lat[i]);
		c->latency = n ? KS_CAP_YES : KS_CAP_NO;
	}
	count_events(c);
	c->dynamic_events = tracefs_has(dir, "dynamic_events") ? KS_CAP_YES : KS_CAP_NO;
	c->kprobe_events = tracefs_has(dir, "kprobe_events") ? KS_CAP_YES : KS_CAP_NO;
	c->uprobe_events = tracefs_has(dir, "uprobe_events") ? KS_CAP_YES : KS_CAP_NO;
	c->triggers = tracefs_has(dir, "events/sched/sched_switch/trigger") ? KS_CAP_YES : KS_CAP_NO;
	c->error_log = tracefs_has(dir, "error_log") ? KS_CAP_YES : KS_CAP_NO;
	snprintf(path, sizeof(path), "%s/README", dir);
	if (!ks_read_file(path, &readme, NULL)) {
		c->hist_triggers = strstr(readme, "hist:") ? KS_CAP_YES : KS_CAP_NO;
		free(readme);
	}
	snprintf(path, sizeof(path), "%s/available_filter_functions", dir);
	if (ks_read_file(path, &t, NULL) == 0) {
		c->filter_functions = KS_CAP_YES;
		free(t);
	} else {
		c->filter_functions = tracefs_has(dir, "available_filter_functions") ?
			KS_CAP_FORBIDDEN : KS_CAP_NO;
	}
	snprintf(path, sizeof(path), "%s/trace_clock", dir);
	read_trimmed(path, c->clocks, sizeof(c->clocks));
	snprintf(path, sizeof(path), "%s/buffer_size_kb", dir);
	read_trimmed(path, buf, sizeof(buf));
	c->buffer_kb = atoi(buf);
	snprintf(path, sizeof(path), "%s/buffer_subbuf_size_kb", dir);
	read_trimmed(path, buf, sizeof(buf));
	c->subbuf_size = buf[0] ? atoi(buf) * 1024 : (int)sysconf(_SC_PAGESIZE);
	if (tracefs_has(dir, "instances"))
		probe_instance_tracers(c);
	else
		c->instances = KS_CAP_NO;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* kscope check: what this kernel offers, and what kscope does with it. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kscope/kernel/caps.h"
#include "kscope/cmds.h"
#include "kscope/base/opts.h"

enum { OPT_JSON = 256 };

static const struct ks_opt check_opts[] = {
	{ OPT_JSON, "json", NULL, "print one JSON object instead of text" },
	{ 0 },
};

static const struct ks_cmd_help check_help = {
	.name = "check",
	.usage = "[--json]",
	.summary = "Mount tracefs if needed and report what this kernel offers: tracers, events,\n"
		   "instances, dynamic events, triggers, clocks, perf_event, lockdown. Each line\n"
		   "says yes / no / forbidden and what kscope does about it.",
	.opts = check_opts,
};

struct check_line {
	const char *key;
	const char *state;	/* yes/no/forbidden or a value */
	char detail[512];
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

#define LINE(k, st, ...) do {							\
		lines[n].key = (k);						\
		lines[n].state = (st);						\
		snprintf(lines[n].detail, sizeof(lines[n].detail), __VA_ARGS__); \
		n++;								\
	} while (0)

static int build_lines(const struct ks_caps *c, struct check_line *lines)
{
	static char num[8][32];
	int n = 0;

	LINE("tracefs", "yes", "%s%s", c->tracefs,
	     c->tracefs_mounted_by_us ? " (mounted now by kscope)" : "");
	LINE("tracers", c->tracers[0] ? "yes" : "no", "%s", c->tracers);
	LINE("function", ks_cap_str(c->function), "%s",
	     c->function == KS_CAP_YES ? "record -p function works in a private instance" :
	     c->function == KS_CAP_FORBIDDEN ? "listed but the kernel refuses it; use -e tracepoints "
	     "or --uprobe instead" : "no function tracer; use -e tracepoints or --uprobe");
	LINE("function_graph", ks_cap_str(c->function_graph), "%s",
	     c->function_graph == KS_CAP_YES ? "record -p function_graph works" :
	     "no call graphs on this kernel; use -e tracepoints or --uprobe");
	LINE("latency_tracers", ks_cap_str(c->latency), "%s",
	     c->latency == KS_CAP_YES ? c->latency_tracers :
	     "no irqsoff/preemptoff/wakeup tracers; scheduling latency comes from sched events");
	snprintf(num[0], sizeof(num[0]), "%d", c->events);
	LINE("events", c->events ? "yes" : "no", "%d events in %d systems", c->events, c->systems);
	LINE("instances", ks_cap_str(c->instances), "%s",
	     c->instances == KS_CAP_YES ? "kscope records in a private instance" :
	     "no private instances: kscope cannot record without touching the top level");
	LINE("dynamic_events", ks_cap_str(c->dynamic_events), "%s",
	     c->dynamic_events == KS_CAP_YES ? "dynamic_events present" : "absent");
	LINE("kprobe_events", ks_cap_str(c->kprobe_events), "%s",
	     c->kprobe_events == KS_CAP_YES ? "kprobes available" :
	     "no kprobes; use tracepoints (-e) instead");
	LINE("uprobe_events", ks_cap_str(c->uprobe_events), "%s",
	     c->uprobe_events == KS_CAP_YES ? "uprobes available" : "no uprobes");
	LINE("triggers", ks_cap_str(c->triggers), "%s",
	     c->triggers == KS_CAP_YES ? "record -T uses the stacktrace trigger" :
	     "no event triggers: record -T is unavailable");
	LINE("hist_triggers", ks_cap_str(c->hist_triggers), "%s",
	     c->hist_triggers == KS_CAP_YES ? "in-kernel histograms available" :
	     "no hist triggers; kscope aggregates in user space");
	LINE("error_log", ks_cap_str(c->error_log), "%s",
	     c->error_log == KS_CAP_YES ? "kernel error text is shown on a rejected write" :
	     "no error_log: errors show errno only");
	LINE("filter_functions", ks_cap_str(c->filter_functions), "%s",
	     c->filter_functions == KS_CAP_YES ? "available_filter_functions readable" :
	     "available_filter_functions not readable: no -l/-n function filters");
	LINE("ftrace_enabled_write", ks_cap_str(c->ftrace_enabled_write),
	     "ftrace_enabled=%d%s", c->ftrace_enabled,
	     c->ftrace_enabled_write == KS_CAP_YES ?
	     " (check wrote the same value back to test); record never writes it" :
	     "; writing it is refused (trace-cmd record fails here on exactly this); "
	     "kscope never needs to");
	LINE("trace_clocks", "yes", "%s", c->clocks);
	snprintf(num[1], sizeof(num[1]), "%d", c->buffer_kb);
	LINE("buffer_size_kb", num[1], "top-level buffer per CPU; sub-buffer %d bytes; %d CPUs",
	     c->subbuf_size, c->ncpus);
	LINE("lockdown", c->lockdown, "%s", strcmp(c->lockdown, "unknown") ? "" :
	     "securityfs not mounted; inferred from refusals above");
	snprintf(num[2], sizeof(num[2]), "%d", c->perf_paranoid);
	LINE("perf_event_paranoid", num[2], "%s", c->perf_paranoid > 1 ?
	     "as root kscope can still sample; others need it <= 1 (sysctl kernel.perf_event_paranoid=1)" :
	     "sampling allowed");
	LINE("perf_hardware", ks_cap_str(c->perf_hw), "%s", c->perf_hw == KS_CAP_YES ?
	     "cycles counter available" : "no hardware PMU: profiles fall back to cpu-clock");
	LINE("perf_software", ks_cap_str(c->perf_sw), "PMUs: %s", c->pmus);
	LINE("perf_tracepoint", ks_cap_str(c->perf_tracepoint), "%s",
	     c->perf_tracepoint == KS_CAP_YES ? "off-CPU stacks from sched_switch sampling" :
	     "cannot sample tracepoints: no off-CPU profiles");
	LINE("btf", c->btf ? "yes" : "no", "%s", "informational: kscope never needs BTF");
	return n;
}

static int check_opt(void *ctx, int key, const char *arg)
{
	if (key != OPT_JSON)
		return -EINVAL;
	*(bool *)ctx = true;
	return 0;
}

int ks_cmd_check(int argc, char **argv)
{
	struct check_line lines[40];
	struct ks_caps caps;
	struct ks_err err = { 0 };
	bool json = false;
	int n, i, ret, operands;

	ret = ks_opts_parse(&check_help, argc, argv, check_opt, &json, &operands, &err);
	if (ret > 0)
		return KS_EXIT_OK;
	if (!ret && operands < argc)
		ret = ks_err_set(&err, -EINVAL, "unexpected argument '%s'", argv[operands]);
	ret = ret ?: ks_caps_probe(&caps, &err);
	if (ret)
		return ks_cmd_fail("check", ret, &err);
	n = build_lines(&caps, lines);
	if (json) {
		printf("{");
		for (i = 0; i < n; i++) {
			printf("%s\n  ", i ? "," : "");
			json_str(stdout, lines[i].key);
			printf(": {\"state\": ");
			json_str(stdout, lines[i].state);
			printf(", \"detail\": ");
			json_str(stdout, lines[i].detail);
			printf("}");
		}
		printf("\n}\n");
	} else {
		for (i = 0; i < n; i++)
			printf("%-21s %-9s %s\n", lines[i].key, lines[i].state, lines[i].detail);
	}
	return ks_cmd_flush("check");
}

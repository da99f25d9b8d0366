/* SPDX-License-Identifier: GPL-2.0-only */
/* What this kernel offers kscope. Every command asks here before it acts. */
#ifndef KSCOPE_KERNEL_CAPS_H
#define KSCOPE_KERNEL_CAPS_H

#include <stdbool.h>
#include "kscope/base/util.h"

enum ks_cap_state {
	KS_CAP_NO = 0,		/* the kernel does not have it */
	KS_CAP_YES,		/* present and usable */
	KS_CAP_FORBIDDEN,	/* present, but the kernel refuses it (lockdown, EPERM) */
};

struct ks_caps {
	char tracefs[256];
	bool tracefs_mounted_by_us;
	char tracers[512];		/* available_tracers */
	enum ks_cap_state function;	/* function tracer actually selectable */
	enum ks_cap_state function_graph;
	enum ks_cap_state latency;	/* irqsoff/preemptoff/wakeup family listed */
	char latency_tracers[256];
	int events;			/* number of trace events */
	int systems;
	enum ks_cap_state instances;
	enum ks_cap_state dynamic_events;
	enum ks_cap_state kprobe_events;
	enum ks_cap_state uprobe_events;
	enum ks_cap_state triggers;
	enum ks_cap_state hist_triggers;
	enum ks_cap_state error_log;
	enum ks_cap_state filter_functions;	/* available_filter_functions readable */
	enum ks_cap_state ftrace_enabled_write;
	int ftrace_enabled;		/* -1 when the sysctl is absent */
	char clocks[256];
	int buffer_kb;
	int subbuf_size;
	char lockdown[64];
	int perf_paranoid;		/* -100 if unknown */
	enum ks_cap_state perf_hw;	/* hardware cycles counter */
	enum ks_cap_state perf_sw;	/* cpu-clock */
	enum ks_cap_state perf_tracepoint;	/* sampling a tracepoint */
	char pmus[256];
	bool btf;
	int ncpus;
};

/* Probes tracefs (mounting it if needed), perf_event and procfs. Changes nothing it keeps. */
int ks_caps_probe(struct ks_caps *c, struct ks_err *err);
const char *ks_cap_str(enum ks_cap_state s);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perf_event sampling: event names as perf spells them, one event per CPU (and per
 * thread when following processes) with every CPU's events writing into one mmap
 * ring, and a reader that hands out whole records. No eBPF anywhere.
 */
#ifndef KSCOPE_KERNEL_PERF_H
#define KSCOPE_KERNEL_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

#include "kscope/base/util.h"

/* An event as named on the command line: "cycles", "cpu-clock:u", "sched:sched_switch". */
struct ks_perf_evspec {
	char name[128];			/* as given, without modifiers */
	uint32_t type;			/* PERF_TYPE_* */
	uint64_t config;
	bool tracepoint;
	bool exclude_user, exclude_kernel;	/* ":k" / ":u" */
	uint64_t period;		/* if set: this period, whatever the options say */
};

/*
 * Parse @name: a hardware or software event of perf's list, with an optional ":u"
 * or ":k", or a tracepoint "sys:event" (its id read under @tracefs). -EINVAL for
 * an unknown name (err lists the known ones), -ENOENT for an unknown tracepoint.
 */
int ks_perf_parse_event(const char *name, const char *tracefs, struct ks_perf_evspec *ev,
			struct ks_err *err);
/* Whether the name @name (as given to ks_perf_parse_event) is a tracepoint's. */
bool ks_perf_event_is_tracepoint(const char *name);
/* Whether @ev counts time: its period is nanoseconds (cpu-clock, task-clock). */
bool ks_perf_event_is_clock(const struct ks_perf_evspec *ev);
/*
 * Where no PMU counts hardware cycles (VMs, many boards), every "cycles" event of
 * @evs becomes the cpu-clock timer. Returns 1 if it did (the caller says so once), 0
 * if cycles can be counted here or none was asked for.
 */
int ks_perf_fallback_cycles(struct ks_perf_evspec *evs, int n);

enum ks_perf_callgraph {
	KS_PERF_CG_NONE,
	KS_PERF_CG_FP,			/* the kernel walks frame pointers (PERF_SAMPLE_CALLCHAIN) */
	KS_PERF_CG_DWARF,		/* user registers + a stack copy, unwound later */
};

/* "fp", "dwarf" or "none", as --call-graph and the profile's settings spell them. */
const char *ks_perf_callgraph_name(enum ks_perf_callgraph cg);

struct ks_perf_opts {
	const struct ks_perf_evspec *events;
	int nevents;
	uint64_t freq;			/* samples per second per CPU, or 0 to use period */
	uint64_t period;		/* events per sample (1 for every tracepoint hit) */
	enum ks_perf_callgraph callgraph;
	uint32_t stack_size;		/* DWARF: bytes of user stack per sample */
	uint64_t regs_mask;		/* DWARF: PERF_SAMPLE_REGS_USER */
	const int *cpus;		/* CPUs to open on */
	int ncpus;
	const int *tids;		/* threads to follow (with their future children), */
	int ntids;			/* or none: every task on the CPUs (system-wide) */
	bool enable_on_exec;		/* start counting when the (single) thread execs */
	bool context_switch;		/* PERF_RECORD_SWITCH for followed threads */
	bool build_id;			/* ask for build-ids in MMAP2 (kernel 5.12+; falls back) */
	bool use_clockid;		/* timestamps on CLOCK_MONOTONIC (falls back to perf's) */
	bool allow_user_only;		/* kernel sampling refused: sample user space only */
	unsigned int mmap_pages;	/* data pages per ring (a power of two) */
};

struct ks_perf;

/*
 * Open every event (disabled unless enable_on_exec) and map one ring per CPU.
 * Errors name the event, the CPU and the fix (perf_event_paranoid, missing PMU).
 */
int ks_perf_open(struct ks_perf **out, const struct ks_perf_opts *o, struct ks_err *err);
int ks_perf_enable(struct ks_perf *p);
int ks_perf_disable(struct ks_perf *p);
/* What was actually used after fallbacks. */
bool ks_perf_has_build_id(const struct ks_perf *p);
bool ks_perf_uses_clockid(const struct ks_perf *p);
bool ks_perf_user_only(const struct ks_perf *p);
/* The sample_type bits every event has (sample_id_all trailers use these), ... */
uint64_t ks_perf_sample_type(const struct ks_perf *p);
/* ... one event's whole sample_type (tracepoints add PERF_SAMPLE_RAW), and the regs. */
uint64_t ks_perf_event_sample_type(const struct ks_perf *p, int event);
uint64_t ks_perf_regs_mask(const struct ks_perf *p);
/* Index into opts->events of the event with sample id @id, or -1. */
int ks_perf_event_index(const struct ks_perf *p, uint64_t id);

/* The ring fds, one per CPU (for poll), and which CPU each ring is. */
int ks_perf_nrings(const struct ks_perf *p);
int ks_perf_ring_fd(const struct ks_perf *p, int ring);
int ks_perf_ring_cpu(const struct ks_perf *p, int ring);

/*
 * Hand every complete record in every ring to @cb (a record that wraps around the
 * ring's end is copied into one piece first). @cb returns 0 to go on or -errno to
 * stop. Returns the number of bytes consumed, or the error.
 */
typedef int (*ks_perf_record_cb)(void *arg, int cpu, const struct perf_event_header *h);
int64_t ks_perf_read(struct ks_perf *p, ks_perf_record_cb cb, void *arg);

void ks_perf_close(struct ks_perf *p);

/* Sample fields, decoded from a PERF_RECORD_SAMPLE of the given sample_type. */
struct ks_perf_sample {
	uint64_t id, ip, time, period;
	uint32_t pid, tid, cpu;
	uint64_t nr;			/* callchain */
	const uint64_t *ips;
	uint32_t raw_size;
	const void *raw;
	uint64_t regs_abi;		/* 0: no registers (kernel thread) */
	const uint64_t *regs;		/* popcount(regs_mask) values */
	uint64_t stack_size;		/* bytes of the stack copy that are valid */
	const void *stack;
};

/* -EINVAL if the record is shorter than its fields say. */
int ks_perf_parse_sample(const struct perf_event_header *h, uint64_t sample_type,
			 uint64_t regs_mask, struct ks_perf_sample *s);

/* The sample_id_all trailer of a non-sample record (TID, TIME, CPU, IDENTIFIER). */
struct ks_perf_sample_id {
	uint32_t pid, tid, cpu;
	uint64_t time, id;
};

int ks_perf_parse_sample_id(const struct perf_event_header *h, uint64_t sample_type,
			    struct ks_perf_sample_id *sid);

#endif

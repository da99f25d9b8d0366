/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analysis framework: what a plugin (plugins/<name>.c) describes, and what the
 * framework does for it. A plugin names the events it reads and gets a callback per
 * record with the raw fields at hand (resolved once, read without any text
 * formatting); at the end of each interval and at the end it reports histograms and
 * tables, which the framework prints as bcc does (or as JSON). The framework owns
 * everything else: the common command line (interval and count, -p, -C, -d, -T,
 * --json, -i, --events, --max-entries, -- command), a private tracefs instance and
 * the live stream of its ring buffers, or a trace.dat read offline, lost events,
 * bounded pairing maps, signals and cleanup.
 */
#ifndef KSCOPE_ANALYSIS_ANALYSIS_H
#define KSCOPE_ANALYSIS_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kscope/base/map.h"
#include "kscope/base/opts.h"
#include "kscope/base/util.h"
#include "kscope/kernel/khist.h"
#include "kscope/output/hist.h"
#include "kscope/output/table.h"

struct ks_analysis;
struct ks_evtype;

/* --- records and fields --- */

/* One record of an event the plugin reads. */
struct ks_event {
	uint64_t ts;			/* ns, on the trace clock */
	int cpu;
	int pid;			/* common_pid: the task that ran when it fired */
	const unsigned char *data;	/* the raw record */
	int size;
};

/* Where a field is in the records of its event (resolved once, by name). */
struct ks_field {
	int offset;
	int size;			/* of the field (a fixed array: all of it) */
	bool is_signed;
	bool dynamic;			/* __data_loc: the record holds its offset and length */
	bool string;			/* char[] or __data_loc char[] */
};

/* An integer field, sign-extended when it is signed. Fields past the record read as 0. */
static inline uint64_t ks_field_u64(const struct ks_field *f, const struct ks_event *e)
{
	uint64_t v = 0;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	if (f->offset < 0 || f->offset + f->size > e->size)
		return 0;
	switch (f->size) {
	case 1:
		memcpy(&v8, e->data + f->offset, 1);
		return f->is_signed ? (uint64_t)(int64_t)(int8_t)v8 : v8;
	case 2:
		memcpy(&v16, e->data + f->offset, 2);
		return f->is_signed ? (uint64_t)(int64_t)(int16_t)v16 : v16;
	case 4:
		memcpy(&v32, e->data + f->offset, 4);
		return f->is_signed ? (uint64_t)(int64_t)(int32_t)v32 : v32;
	case 8:
		memcpy(&v, e->data + f->offset, 8);
		return v;
	}
	return 0;
}

static inline int64_t ks_field_s64(const struct ks_field *f, const struct ks_event *e)
{
	return (int64_t)ks_field_u64(f, e);
}

/* A string field (char[] or __data_loc): NUL-terminated within the record, or "". */
const char *ks_field_str(const struct ks_field *f, const struct ks_event *e);

/* --- what a plugin asks for in its setup --- */

typedef void (*ks_event_fn)(struct ks_analysis *a, void *priv, const struct ks_event *e);

/*
 * Read the event @name ("system:event") and call @fn for each record, with the
 * tracefs @filter applied in the kernel when streaming live (NULL: none). -ENOENT
 * when the kernel or the file lacks it, with a message naming it (live: a kernel
 * error, exit 3; offline: bad input, exit 2, with the record command to use).
 */
int ks_analysis_event(struct ks_analysis *a, const char *name, const char *filter,
		      ks_event_fn fn, struct ks_evtype **out, struct ks_err *err);
/* The same for an event the analysis can do without: 0 and *@out NULL if it is absent. */
int ks_analysis_event_optional(struct ks_analysis *a, const char *name, const char *filter,
			       ks_event_fn fn, struct ks_evtype **out, struct ks_err *err);
/* Resolve @field of @t; -ENOENT naming the event and field. */
int ks_analysis_field(struct ks_analysis *a, struct ks_evtype *t, const char *field,
		      struct ks_field *out, struct ks_err *err);
/* Whether @t has @field (for fields that changed between kernels). */
bool ks_analysis_has_field(struct ks_analysis *a, struct ks_evtype *t, const char *field);
/* An interval set by the plugin's own option (bcc's syscount -i), as the operand would. */
void ks_analysis_set_interval(struct ks_analysis *a, double secs);

/* --path of a KS_PLUGIN_KHIST plugin: where it aggregates. */
enum ks_analysis_path { KS_PATH_AUTO, KS_PATH_KERNEL, KS_PATH_STREAM };
enum ks_analysis_path ks_analysis_path(const struct ks_analysis *a);
/*
 * Live: aggregate @t in the kernel with the hist trigger "hist:@spec" (its keys= and
 * vals=; the framework adds the table's size, from --max-entries, and @t's filter)
 * instead of streaming its records. Where the kernel refuses it (a kernel without hist
 * triggers) @t is streamed as usual, unless --path kernel: then that is an error with
 * the kernel's words. With --path stream, and offline, it does nothing. Call it after
 * ks_analysis_event.
 */
int ks_analysis_kernel_hist(struct ks_analysis *a, struct ks_evtype *t, const char *spec,
			    struct ks_err *err);
/* Whether @t is aggregated in the kernel (known once the run started). */
bool ks_analysis_kernel_hist_on(const struct ks_analysis *a, const struct ks_evtype *t);
/*
 * What @t's table in the kernel gained since the last read (since the start, the first
 * time): each entry that changed, with its values (hitcount first) as the changes, and
 * in @tot the events the table dropped meanwhile. An interval's report reads it once.
 */
int ks_analysis_kernel_hist_read(struct ks_analysis *a, struct ks_evtype *t, ks_khist_fn fn,
				 void *arg, struct ks_khist_totals *tot, struct ks_err *err);

/* --- what the framework offers while running --- */

/* Whether a task is one the user asked about: -p PID (its threads too), or -- command and its children. */
bool ks_analysis_task_wanted(struct ks_analysis *a, int tid);
/* Whether the user asked about some tasks only (-p, or a command for a per-task analysis). */
bool ks_analysis_per_task(const struct ks_analysis *a);
/* The task's name (from the trace's comms, or /proc when live), or "[unknown]". */
const char *ks_analysis_comm(struct ks_analysis *a, int pid);
/*
 * Keep @pid's name now, while it runs (live): a report after it exited still names it.
 * Names change with exec.
 */
void ks_analysis_remember_comm(struct ks_analysis *a, int pid);
/* The process a thread belongs to (live: /proc; offline: the thread itself). */
int ks_analysis_tgid(struct ks_analysis *a, int tid);
/*
 * A pairing map bounded by --max-entries (default 10240, as bcc): keys that do not fit
 * are dropped, counted, and reported under the output. Freed with the analysis.
 */
struct ks_map *ks_analysis_map(struct ks_analysis *a, size_t value_size);
/* The trace time of the record being handled (or of the last one; live, in a report: now). */
uint64_t ks_analysis_now(const struct ks_analysis *a);
/* The trace time the analysis began: when tracing was switched on, or the first record's. */
uint64_t ks_analysis_start(const struct ks_analysis *a);
/* The machine the trace comes from, as uname -m says (this one when live; NULL if unknown). */
const char *ks_analysis_machine(const struct ks_analysis *a);
/* Whether records come from a file (-i) rather than the running kernel. */
bool ks_analysis_offline(const struct ks_analysis *a);
/* The CPUs the trace may have events of (for per-CPU state). */
int ks_analysis_ncpus(const struct ks_analysis *a);
/* Whether the output is JSON (a plugin's text-only decorations, such as blank lines, skip it). */
bool ks_analysis_json(const struct ks_analysis *a);

/* --- reports, in the plugin's report callback --- */

/* A log2 histogram, under a section header "@key = @value" when @key is not NULL. */
void ks_analysis_hist(struct ks_analysis *a, const char *key, const char *value,
		      const char *unit, const struct ks_log2 *h);
/* The same with the value quoted in text, as bcc prints names: "disk = 'vda'". */
void ks_analysis_hist_quoted(struct ks_analysis *a, const char *key, const char *value,
			     const char *unit, const struct ks_log2 *h);
/*
 * One histogram per key of @m (values are struct ks_log2), keys in ascending order,
 * each under "@key = N": bcc's -P / -L sections. @extra adds bcc's -e line under each.
 */
void ks_analysis_hists(struct ks_analysis *a, struct ks_map *m, const char *key,
		       const char *unit, bool extra);
/* bcc's -e line under a histogram: "avg = 27 usecs, total: 5410 usecs, count: 200". */
void ks_analysis_hist_summary(struct ks_analysis *a, const char *unit, const struct ks_log2 *h);
/* What a key of such a map is called ("vda", "Sync-Write"), in @buf or a string of its own. */
typedef const char *(*ks_key_name_fn)(void *arg, uint64_t key, char *buf, size_t size);
/* The same with keys named by @name (@quoted: "disk = 'vda'"), still in key order. */
void ks_analysis_hists_named(struct ks_analysis *a, struct ks_map *m, const char *key,
			     ks_key_name_fn name, void *arg, bool quoted, const char *unit,
			     bool extra);
void ks_analysis_linear(struct ks_analysis *a, const char *key, const char *value,
			const char *unit, const struct ks_linear *h);
/* A table: its columns, then rows, then the end. */
void ks_analysis_table(struct ks_analysis *a, const struct ks_col *cols, int ncols);
void ks_analysis_row(struct ks_analysis *a, const union ks_cell *cells);
void ks_analysis_table_end(struct ks_analysis *a);
/* A line of text (a summary such as "runqocc: 41.09%"); in JSON a "note". */
void ks_analysis_note(struct ks_analysis *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Clear the screen before an interval's output (bcc's top tools): text to a terminal only. */
void ks_analysis_clear_screen(struct ks_analysis *a);

/*
 * --- one line per event (bcc's snoop tools) ---
 * A plugin with KS_PLUGIN_STREAM declares its columns in its setup; the framework
 * prints their header before the first record, and each ks_analysis_stream_row() as
 * it comes (in JSON, one {"analysis": NAME, "row": {...}} document a line). The
 * final report then only tells what was lost.
 */
void ks_analysis_stream(struct ks_analysis *a, const struct ks_col *cols, int ncols);
void ks_analysis_stream_row(struct ks_analysis *a, const union ks_cell *cells);

/*
 * --- call stacks (bcc's offcputime) ---
 * A plugin with KS_PLUGIN_STACKS gets no events: the framework records off-CPU
 * stacks through the profile layer (perf_event samples of sched_switch with
 * callchains, the thread's blocked time until it runs again), or reads them from a
 * kscope profile --off-cpu recording (-i), and hands the plugin each blocked interval
 * that ended (its .sample callback). Its report prints stacks with ks_analysis_stack.
 */
struct ks_prof_sample;

/* How a stack is printed: bcc's offcputime, wakeuptime or offwaketime. */
enum ks_stack_layout { KS_STACK_OFFCPU, KS_STACK_WAKER, KS_STACK_OFFWAKE };

struct ks_stack_out {
	enum ks_stack_layout layout;
	const char *comm;		/* the thread that blocked */
	int pid;
	const char *const *kernel;	/* its function names, leaf first */
	unsigned int nkernel;
	const char *const *user;	/* leaf first */
	unsigned int nuser;
	const char *waker;		/* KS_STACK_WAKER, KS_STACK_OFFWAKE: who woke it */
	int waker_pid;
	const char *const *waker_kernel;	/* leaf first */
	unsigned int nwaker_kernel;
	const char *const *waker_user;
	unsigned int nwaker_user;
	bool delimit;			/* a line between the kernel and the user frames */
	bool folded;			/* one line of frames root first and the value */
	uint64_t value;
};

/*
 * One stack in the layout of its bcc tool (frames, the task, the value on a line of its
 * own), folded (as flame graph tools read them), or as a JSON "stack" item.
 */
void ks_analysis_stack(struct ks_analysis *a, const struct ks_stack_out *s);
/*
 * In such a plugin's setup: sample the tracepoint @name ("sched:sched_waking") too,
 * with call stacks, everywhere (the task it concerns need not be the one it runs in).
 * Its samples reach .sample with offcpu false and event set to the returned index
 * (0, 1, ...); offline the recording must have them. -E2BIG past four.
 */
int ks_analysis_stack_event(struct ks_analysis *a, const char *name, struct ks_err *err);
/* Field @field of the raw records of stack event @event (s->raw), resolved by name. */
int ks_analysis_stack_field(struct ks_analysis *a, int event, const char *field,
			    struct ks_field *out, struct ks_err *err);
/*
 * Whether a process is one the user asked about: -p, or with a command, the command
 * and the processes it started (followed through their forks); every one otherwise.
 */
bool ks_analysis_stack_pid_wanted(struct ks_analysis *a, int pid);
/* The same for a thread (a process unknown yet counts as wanted). */
bool ks_analysis_stack_tid_wanted(struct ks_analysis *a, int tid);
/* The positional operand, for such a plugin, is the duration, as bcc's offcputime takes it. */
double ks_analysis_duration(const struct ks_analysis *a);
/* The processes of -p (their number), and whether a command is run (for a start line). */
int ks_analysis_pids(const struct ks_analysis *a, const int **pids);
bool ks_analysis_has_command(const struct ks_analysis *a);

/* --- the descriptor --- */

enum {
	/*
	 * Measures system-wide activity (interrupts, disks, run queues): "-- command"
	 * only sets how long to measure, and -p does not apply.
	 */
	KS_PLUGIN_SYSTEM = 1 << 0,
	/* Prints a line per event (ks_analysis_stream): takes no interval operand. */
	KS_PLUGIN_STREAM = 1 << 1,
	/* Reads off-CPU call stacks (.sample), not events: "[duration]" is its operand. */
	KS_PLUGIN_STACKS = 1 << 2,
	/* Aggregates in the kernel with hist triggers where it can (ks_analysis_kernel_hist). */
	KS_PLUGIN_KHIST = 1 << 3,
};

struct ks_plugin {
	const char *name;		/* the command: kscope NAME */
	const char *summary;		/* one line */
	const char *peer;		/* what it answers like: "bcc runqlat" */
	const char *usage;		/* after "kscope NAME " */
	const char *description;	/* the --help paragraph */
	const char *tracing;		/* "Tracing run queue latency": the start line */
	/* The start line when it depends on the options (NULL: .tracing). */
	const char *(*tracing_fn)(const void *priv);
	const char *needs;		/* the events, for kscope list analyses */
	const struct ks_opt *opts;	/* its own options; their letters win over common ones */
	unsigned int flags;		/* KS_PLUGIN_* */
	double default_interval;	/* seconds between reports when none is given (0: at the end) */
	size_t priv_size;		/* zeroed state handed to every callback */
	/* An option of its own table; -EINVAL with @err for a bad value. */
	int (*opt)(struct ks_analysis *a, void *priv, int key, const char *arg,
		   struct ks_err *err);
	/* After the options: the events to read (ks_analysis_event) and the state to set up. */
	int (*setup)(struct ks_analysis *a, void *priv, struct ks_err *err);
	/*
	 * The results so far, through ks_analysis_hist/_table/...; then, unless @final,
	 * start the next interval from zero, as bcc clears its maps. NULL for a plugin
	 * that streams its output.
	 */
	void (*report)(struct ks_analysis *a, void *priv, bool final);
	/* KS_PLUGIN_STACKS: a blocked interval that ended, with the thread's stack. */
	void (*sample)(struct ks_analysis *a, void *priv, const struct ks_prof_sample *s);
	void (*free)(void *priv);
};

/* The common options every analysis takes (their keys are >= KS_ANALYSIS_OPT_BASE). */
enum {
	KS_ANALYSIS_OPT_BASE = 0x1000,
	KS_AOPT_PID = KS_ANALYSIS_OPT_BASE,
	KS_AOPT_CPUS,
	KS_AOPT_DURATION,
	KS_AOPT_TIMESTAMP,
	KS_AOPT_JSON,
	KS_AOPT_INPUT,
	KS_AOPT_EVENTS,
	KS_AOPT_MAX_ENTRIES,
	KS_AOPT_BUFFER_KB,
	KS_AOPT_PATH,
};

/* How a run ended, beyond its return value. */
struct ks_analysis_end {
	int status;			/* kscope's exit status when it went well: the command's own */
	bool help;			/* only --help was printed */
	bool exec_failed;		/* the command could not be run (the error says why) */
};

/*
 * Run @p as the command line @argv (argv[0] is its name) says, printing to @out.
 * Returns 0 or -errno with @err set; the caller prints it and picks the exit status.
 */
int ks_analysis_run(const struct ks_plugin *p, int argc, char **argv, FILE *out,
		    struct ks_analysis_end *end, struct ks_err *err);

/*
 * For kscope list analyses: 1 and the first event of @p->needs this kernel lacks in
 * @missing, or 0 when it has them all.
 */
int ks_analysis_missing(const struct ks_plugin *p, const char *tracefs, char *missing,
			size_t size);

#endif

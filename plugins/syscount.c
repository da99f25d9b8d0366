// SPDX-License-Identifier: GPL-2.0-only
/*
 * syscount: syscalls counted per syscall or per process, optionally with the time
 * spent in them (bcc's syscount), from raw_syscalls:sys_enter / sys_exit. Counting
 * alone reads one event per syscall; -x/-e read the exits (filtered in the kernel by
 * their return value); -L pairs every entry with its exit, per thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kscope/base/parse.h"
#include "kscope/kernel/syscalls.h"
#include "kscope/plugins/plugins.h"

#define SYSCOUNT_TOP 10

enum { OPT_SYSCALL = 256 };

static const struct ks_opt syscount_opts[] = {
	{ 'T', "top", "N", "print only the top N rows (default 10)" },
	{ 'x', "failures", NULL, "count only failed syscalls" },
	{ 'e', "errno", "ERRNO", "count only syscalls failing with ERRNO (EPERM or 1)" },
	{ 'L', "latency", NULL, "also the total time spent in each" },
	{ 'm', "milliseconds", NULL, "with -L: times in milliseconds" },
	{ 'P', "process", NULL, "count per process, not per syscall" },
	{ 'i', "interval", "SECS", "print every SECS seconds (as the interval operand)" },
	{ OPT_SYSCALL, "syscall", "NAME", "count only this syscall" },
	{ 0 },
};

struct syscount_row {
	uint64_t count;
	uint64_t ns;			/* with -L */
};

struct syscount {
	int top;
	bool failures, latency, msecs, per_process;
	long err_no;			/* -e: count only -err_no returns; 0: any */
	const char *only;		/* --syscall NAME */
	long only_nr;
	const char *arch;		/* the syscall table of the trace's machine */
	struct ks_map *rows;		/* syscall nr or tgid -> struct syscount_row */
	struct ks_map *entered;		/* -L: tid -> entry time, with the nr in the top bits */
	struct ks_field enter_id, exit_id, exit_ret;
	double interval;
	char filter[64];
	struct ks_evtype *counted;	/* the event counted, where the kernel may count it */
};

/* An errno by name or number: "EPERM", "eperm", "1". */
static long parse_errno(const char *arg)
{
	static const char *const names[] = {
		NULL, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC",
		"EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY",
		"EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE",
		"ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE",
		"EDOM", "ERANGE",
	};
	size_t i;
	int v;

	if (!ks_parse_int_range(arg, 1, 4095, &v))
		return v;
	for (i = 1; i < KS_ARRAY_SIZE(names); i++)
		if (!strcasecmp(arg, names[i]))
			return (long)i;
	return -1;
}

static int syscount_opt(struct ks_analysis *a, void *priv, int key, const char *arg,
			struct ks_err *err)
{
	struct syscount *s = priv;

	switch (key) {
	case 'T':
		if (ks_parse_int_range(arg, 1, 1 << 20, &s->top))
			return ks_err_set(err, -EINVAL, "bad --top '%s'", arg);
		return 0;
	case 'x':
		s->failures = true;
		return 0;
	case 'e':
		s->err_no = parse_errno(arg);
		if (s->err_no < 0)
			return ks_err_set(err, -EINVAL, "bad --errno '%s' (a name such as ENOENT, or "
					  "a number)", arg);
		return 0;
	case 'L':
		s->latency = true;
		return 0;
	case 'm':
		s->msecs = true;
		return 0;
	case 'P':
		s->per_process = true;
		return 0;
	case 'i':
		if (ks_parse_duration(arg, &s->interval) || s->interval <= 0)
			return ks_err_set(err, -EINVAL, "bad --interval '%s' (seconds)", arg);
		return 0;
	case OPT_SYSCALL:
		s->only = arg;
		return 0;
	}
	return -EINVAL;
}

static bool wanted_nr(struct syscount *s, long nr)
{
	return !s->only || nr == s->only_nr;
}

static void count(struct ks_analysis *a, struct syscount *s, int tid, long nr, uint64_t ns,
		  uint64_t n)
{
	uint64_t key = s->per_process ? (uint64_t)ks_analysis_tgid(a, tid) : (uint64_t)nr;
	struct syscount_row *r;
	bool added;

	/* The kernel reports -1 for syscalls it did not take (seccomp): bcc skips them too. */
	if (nr < 0)
		return;
	r = ks_map_get(s->rows, key, &added);
	if (r && added && s->per_process)
		ks_analysis_remember_comm(a, (int)key);
	if (r) {
		r->count += n;
		r->ns += ns;
	}
}

static bool wanted_ret(struct syscount *s, int64_t ret)
{
	if (s->err_no)
		return ret == -s->err_no;
	return !s->failures || ret < 0;
}

static void on_enter(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct syscount *s = priv;
	long nr = (long)ks_field_s64(&s->enter_id, e);
	uint64_t *when;

	if (!wanted_nr(s, nr) || !ks_analysis_task_wanted(a, e->pid))
		return;
	if (!s->latency) {
		count(a, s, e->pid, nr, 0, 1);
		return;
	}
	when = ks_map_get(s->entered, (uint64_t)e->pid, NULL);
	if (when)
		*when = e->ts;
}

static void on_exit_event(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct syscount *s = priv;
	long nr = (long)ks_field_s64(&s->exit_id, e);
	uint64_t *when, ns = 0;

	if (!wanted_nr(s, nr) || !ks_analysis_task_wanted(a, e->pid))
		return;
	if (s->latency) {
		when = ks_map_find(s->entered, (uint64_t)e->pid);
		if (!when)
			return;
		ns = e->ts >= *when ? e->ts - *when : 0;
		ks_map_delete(s->entered, (uint64_t)e->pid);
	}
	if (wanted_ret(s, ks_field_s64(&s->exit_ret, e)))
		count(a, s, e->pid, nr, ns, 1);
}

static int syscount_setup(struct ks_analysis *a, void *priv, struct ks_err *err)
{
	struct syscount *s = priv;
	bool exits = s->latency || s->failures || s->err_no;
	struct ks_evtype *enter = NULL, *exit_ev = NULL;
	int ret = 0;

	if (!s->top)
		s->top = SYSCOUNT_TOP;
	if (s->msecs && !s->latency)
		return ks_err_set(err, -EINVAL, "-m needs -L");
	if (s->latency && ks_analysis_path(a) == KS_PATH_KERNEL)
		return ks_err_set(err, -EINVAL, "-L pairs each entry with its exit in user space: "
				  "not with --path kernel");
	s->arch = ks_syscall_arch(ks_analysis_machine(a));
	if (s->only) {
		s->only_nr = ks_syscall_number(s->arch, s->only);
		if (s->only_nr < 0)
			return ks_err_set(err, -EINVAL, "unknown syscall '%s' on %s", s->only,
					  s->arch ? s->arch : "this machine");
	}
	s->rows = ks_analysis_map(a, sizeof(struct syscount_row));
	s->entered = ks_analysis_map(a, sizeof(uint64_t));
	if (!s->rows || !s->entered)
		return ks_err_set(err, -ENOMEM, "out of memory");
	/* What the kernel can leave out: other syscalls, and returns that are not wanted. */
	if (s->only)
		snprintf(s->filter, sizeof(s->filter), "id == %ld", s->only_nr);
	if (!exits || s->latency)
		ret = ks_analysis_event(a, "raw_syscalls:sys_enter", *s->filter ? s->filter : NULL,
					on_enter, &enter, err) ?:
		      ks_analysis_field(a, enter, "id", &s->enter_id, err);
	if (!ret && exits) {
		char f[128];

		/* An entry whose exit the filter drops is overwritten by the thread's next one. */
		snprintf(f, sizeof(f), "%s%s%s", s->err_no ? "" : s->failures ? "ret < 0" : "",
			 *s->filter && (s->failures || s->err_no) ? " && " : "", s->filter);
		if (s->err_no)
			snprintf(f, sizeof(f), "ret == %ld%s%s", -s->err_no, *s->filter ? " && " : "",
				 s->filter);
		ret = ks_analysis_event(a, "raw_syscalls:sys_exit", *f ? f : NULL, on_exit_event,
					&exit_ev, err) ?:
		      ks_analysis_field(a, exit_ev, "id", &s->exit_id, err) ?:
		      ks_analysis_field(a, exit_ev, "ret", &s->exit_ret, err);
	}
	if (!ret && s->interval > 0)
		ks_analysis_set_interval(a, s->interval);
	/* Counts need no pairing: the kernel can count them, per thread where it matters. */
	s->counted = s->latency ? NULL : exits ? exit_ev : enter;
	if (!ret && s->counted)
		ret = ks_analysis_kernel_hist(a, s->counted,
					      s->per_process || ks_analysis_per_task(a) ?
					      "keys=id,common_pid:vals=hitcount" :
					      "keys=id:vals=hitcount", err);
	return ret;
}

struct from_kernel {
	struct ks_analysis *a;
	struct syscount *s;
};

/* An entry of the kernel's table: a syscall (and a thread) and how often, since the last. */
static int from_kernel(void *arg, const struct ks_khist_entry *e)
{
	struct from_kernel *c = arg;
	int tid = e->nkeys > 1 ? (int)e->key[1].num : 0;

	if (e->nkeys > 1 && !ks_analysis_task_wanted(c->a, tid))
		return 0;
	count(c->a, c->s, tid, (long)e->key[0].num, 0, e->val[0]);
	return 0;
}

struct row_list {
	uint64_t *keys;
	const struct syscount_row **rows;
	size_t n;
	bool by_time;
};

static int collect(void *arg, uint64_t key, void *value)
{
	struct row_list *l = arg;

	l->keys[l->n] = key;
	l->rows[l->n++] = value;
	return 0;
}

/* Most first (by time with -L, as bcc sorts), then by key. */
static void sort_rows(struct row_list *l)
{
	size_t i, j;

	for (i = 1; i < l->n; i++) {
		uint64_t k = l->keys[i];
		const struct syscount_row *r = l->rows[i];
		uint64_t v = l->by_time ? r->ns : r->count;

		for (j = i; j > 0; j--) {
			const struct syscount_row *q = l->rows[j - 1];
			uint64_t w = l->by_time ? q->ns : q->count;

			if (w > v || (w == v && l->keys[j - 1] < k))
				break;
			l->keys[j] = l->keys[j - 1];
			l->rows[j] = l->rows[j - 1];
		}
		l->keys[j] = k;
		l->rows[j] = r;
	}
}

static void report_table(struct ks_analysis *a, struct syscount *s, bool final)
{
	/* bcc's layout: a 22-column first column, PID and COMM sharing it with -P. */
	const struct ks_col by_nr[] = {
		{ .name = "SYSCALL", .type = KS_COL_STR, .width = 22, .left = true },
		{ .name = "COUNT", .type = KS_COL_U64, .width = 8 },
		{ .name = s->msecs ? "TIME (ms)" : "TIME (us)", .type = KS_COL_F64, .width = 16,
		  .precision = s->msecs ? 6 : 3 },
	};
	const struct ks_col by_pid[] = {
		{ .name = "PID", .type = KS_COL_U64, .width = 6, .left = true },
		{ .name = "COMM", .type = KS_COL_STR, .width = 15, .left = true },
		{ .name = "COUNT", .type = KS_COL_U64, .width = 8 },
		{ .name = s->msecs ? "TIME (ms)" : "TIME (us)", .type = KS_COL_F64, .width = 16,
		  .precision = s->msecs ? 6 : 3 },
	};
	size_t n = ks_map_count(s->rows), i;
	struct row_list l = { calloc(n + 1, sizeof(uint64_t)), calloc(n + 1, sizeof(void *)), 0,
			      s->latency };
	char stamp[16], unknown[32];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	ks_analysis_note(a, "[%s]", stamp);
	if (!l.keys || !l.rows)
		goto out;
	ks_map_for_each(s->rows, collect, &l);
	sort_rows(&l);
	if (s->per_process)
		ks_analysis_table(a, by_pid, s->latency ? 4 : 3);
	else
		ks_analysis_table(a, by_nr, s->latency ? 3 : 2);
	for (i = 0; i < l.n && (int)i < s->top; i++) {
		double time = (double)l.rows[i]->ns / (s->msecs ? 1e6 : 1e3);
		const char *name;
		union ks_cell c[4];

		if (s->per_process) {
			c[0].u = l.keys[i];
			c[1].s = ks_analysis_comm(a, (int)l.keys[i]);
			c[2].u = l.rows[i]->count;
			c[3].f = time;
		} else {
			name = ks_syscall_name(s->arch, (long)l.keys[i]);
			if (!name) {
				snprintf(unknown, sizeof(unknown), "[unknown: %llu]",
					 (unsigned long long)l.keys[i]);
				name = unknown;
			}
			c[0].s = name;
			c[1].u = l.rows[i]->count;
			c[2].f = time;
		}
		ks_analysis_row(a, c);
	}
	ks_analysis_table_end(a);
out:
	free(l.keys);
	free(l.rows);
	if (!final)
		ks_map_clear(s->rows);
}

static const char *syscount_tracing(const void *priv)
{
	const struct syscount *s = priv;

	return s->failures || s->err_no ? "Tracing failed syscalls" : "Tracing syscalls";
}

static void syscount_report(struct ks_analysis *a, void *priv, bool final)
{
	struct syscount *s = priv;
	struct from_kernel c = { a, s };
	struct ks_khist_totals tot = { 0 };
	struct ks_err err;

	if (ks_analysis_kernel_hist_on(a, s->counted) &&
	    ks_analysis_kernel_hist_read(a, s->counted, from_kernel, &c, &tot, &err))
		ks_analysis_note(a, "The kernel's table could not be read: %s", err.msg);
	report_table(a, s, final);
	if (tot.dropped)
		ks_analysis_note(a, "%llu system calls were not counted: the kernel's table was "
				 "full (a larger --max-entries helps)",
				 (unsigned long long)tot.dropped);
}

const struct ks_plugin ks_plugin_syscount = {
	.name = "syscount",
	.summary = "syscalls counted per syscall or process, with -L the time in them",
	.peer = "bcc syscount",
	.usage = "[-L [-m]] [-P] [-x | -e ERRNO] [-T N] [--syscall NAME] [-p PID] [options]\n"
		 "                       [interval [count]] [-- command [args]]",
	.description = "Count syscalls per syscall (or per process with -P), the top ones first,\n"
		       "like bcc's syscount, from the raw_syscalls tracepoints (no eBPF). -L adds\n"
		       "the time spent in them, -x or -e keep only failures. Syscall names come\n"
		       "from tables built in for x86_64, i386, aarch64 and arm, so a trace from\n"
		       "a board reads on any host.",
	.tracing_fn = syscount_tracing,
	.needs = "raw_syscalls:sys_enter, raw_syscalls:sys_exit",
	.flags = KS_PLUGIN_KHIST,
	.opts = syscount_opts,
	.priv_size = sizeof(struct syscount),
	.opt = syscount_opt,
	.setup = syscount_setup,
	.report = syscount_report,
};

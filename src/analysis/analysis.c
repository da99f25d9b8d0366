// SPDX-License-Identifier: GPL-2.0-only
/*
 * The analysis framework: the common command line, the events and fields plugins
 * ask for, task filters, bounded maps, and the reports printed bcc's way or as JSON.
 * The loops that feed records in (live or from a file) are in analysis-run.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "analysis-priv.h"
#include "kscope/analysis/analysis.h"
#include "kscope/base/parse.h"
#include "kscope/kernel/proc.h"

/* ==== records and fields ==== */

const char *ks_field_str(const struct ks_field *f, const struct ks_event *e)
{
	uint32_t loc;
	int off, len;

	if (!f->dynamic) {
		off = f->offset;
		len = f->size;
	} else {
		if (f->offset < 0 || f->offset + 4 > e->size)
			return "";
		memcpy(&loc, e->data + f->offset, 4);
		off = (int)(loc & 0xffff);
		len = (int)(loc >> 16);
	}
	if (off < 0 || len <= 0 || off + len > e->size || memchr(e->data + off, '\0', len) == NULL)
		return "";
	return (const char *)e->data + off;
}

int ks_analysis_field_of(struct tep_event *ev, const char *name, struct ks_field *out)
{
	struct tep_format_field *f = tep_find_any_field(ev, name);

	if (!f)
		return -ENOENT;
	out->offset = f->offset;
	out->size = f->size;
	out->is_signed = f->flags & TEP_FIELD_IS_SIGNED;
	out->dynamic = f->flags & TEP_FIELD_IS_DYNAMIC;
	out->string = f->flags & TEP_FIELD_IS_STRING;
	if (out->dynamic)
		out->size = 4;
	return 0;
}

/* ==== events ==== */

/* The kernel option a missing event's system needs, for the message. */
static const char *config_hint(const char *system)
{
	static const struct { const char *sys, *config; } hints[] = {
		{ "raw_syscalls", "CONFIG_FTRACE_SYSCALLS" },
		{ "syscalls", "CONFIG_FTRACE_SYSCALLS" },
		{ "block", "CONFIG_BLOCK and CONFIG_TRACEPOINTS" },
		{ "irq", "CONFIG_TRACEPOINTS" },
		{ "sched", "CONFIG_TRACEPOINTS" },
	};
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(hints); i++)
		if (!strcmp(system, hints[i].sys))
			return hints[i].config;
	return "a kernel built with this tracepoint";
}

/* Live: parse the event's format from tracefs into the analysis's handle. */
static struct tep_event *load_live(struct ks_analysis *a, const char *sys, const char *name)
{
	char path[4096], *text;
	struct tep_event *ev = tep_find_event_by_name(a->tep, sys, name);
	size_t len;

	if (ev)
		return ev;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", a->tracefs, sys, name);
	if (ks_read_file(path, &text, &len))
		return NULL;
	if (tep_parse_format(a->tep, &ev, text, len, sys))
		ev = NULL;
	free(text);
	return ev;
}

/*
 * @filter for @t: live the kernel's, offline evaluated as the kernel would. Live, the syscall events
 * leave kscope's own out: its reads of the buffers are syscalls that, counted, would
 * fill the buffers they read, which wakes it to read more.
 */
static int set_filter(struct ks_analysis *a, struct ks_evtype *t, const char *sys,
		      const char *ev_name, const char *filter, struct ks_err *err)
{
	int n = 0;

	t->user_filter = filter;
	if (!a->tdat && (!strcmp(sys, "raw_syscalls") || !strcmp(sys, "syscalls")))
		n = filter ? asprintf(&t->filter, "(%s) && common_pid != %d", filter, (int)getpid())
			   : asprintf(&t->filter, "common_pid != %d", (int)getpid());
	else if (filter)
		n = (t->filter = strdup(filter)) ? 0 : -1;
	if (n < 0) {
		t->filter = NULL;
		return ks_err_set(err, -ENOMEM, "out of memory");
	}
	if (!a->tdat || !filter || !t->ev)
		return 0;
	return ks_evexpr_new(&t->expr, a->tep, t->ev, filter, err);
}

static int add_event(struct ks_analysis *a, const char *name, const char *filter,
		     ks_event_fn fn, struct ks_evtype **out, bool optional, struct ks_err *err)
{
	char sys[64], ev_name[64];
	const char *colon = strchr(name, ':');
	struct ks_evtype *t;
	struct tep_event *ev;

	*out = NULL;
	if (!colon || colon - name >= (int)sizeof(sys) || strlen(colon + 1) >= sizeof(ev_name))
		return ks_err_set(err, -EINVAL, "bad event name '%s' (want system:event)", name);
	snprintf(sys, sizeof(sys), "%.*s", (int)(colon - name), name);
	snprintf(ev_name, sizeof(ev_name), "%s", colon + 1);
	/*
	 * An event both the framework (following tasks: fn NULL) and the plugin read is
	 * one type with the plugin's callback; the framework's work is done first.
	 */
	for (t = a->types; t < a->types + a->ntypes; t++) {
		if (strcmp(t->name, name))
			continue;
		if (t->fn || !fn)
			return ks_err_set(err, -EINVAL, "%s is read twice", name);
		t->fn = fn;
		*out = t;
		/* The framework needs every record: the plugin's filter is applied here. */
		t->user_filter = filter;
		return filter && t->ev ? ks_evexpr_new(&t->expr, a->tep, t->ev, filter, err) : 0;
	}
	if (a->ntypes == KS_ANALYSIS_MAX_EVENTS)
		return ks_err_set(err, -E2BIG, "too many events for one analysis");
	ev = a->tdat ? tep_find_event_by_name(a->tep, sys, ev_name) : load_live(a, sys, ev_name);
	if (!ev && optional)
		return 0;
	/*
	 * A file without it: go on, to name every event the analysis reads in the error
	 * (ks_analysis_run), with fields that read as 0 meanwhile.
	 */
	if (!ev && a->tdat && !a->missing[0])
		snprintf(a->missing, sizeof(a->missing), "%s", name);
	if (!ev && !a->tdat)
		return ks_err_kernel(err, -ENOENT, "events", "this kernel has no %s event (it "
				     "needs %s)", name, config_hint(sys));
	t = &a->types[a->ntypes++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->ev = ev;
	t->fn = fn;
	*out = t;
	return set_filter(a, t, sys, ev_name, filter, err);
}

int ks_analysis_event(struct ks_analysis *a, const char *name, const char *filter,
		      ks_event_fn fn, struct ks_evtype **out, struct ks_err *err)
{
	return add_event(a, name, filter, fn, out, false, err);
}

int ks_analysis_event_optional(struct ks_analysis *a, const char *name, const char *filter,
			       ks_event_fn fn, struct ks_evtype **out, struct ks_err *err)
{
	return add_event(a, name, filter, fn, out, true, err);
}

int ks_analysis_field(struct ks_analysis *a, struct ks_evtype *t, const char *field,
		      struct ks_field *out, struct ks_err *err)
{
	if (!t->ev) {
		*out = (struct ks_field){ .offset = -1 };
		return 0;
	}
	if (ks_analysis_field_of(t->ev, field, out))
		return ks_err_set(err, -ENOENT, "%s has no field '%s' on this %s", t->name, field,
				  a->tdat ? "file" : "kernel");
	return 0;
}

bool ks_analysis_has_field(struct ks_analysis *a, struct ks_evtype *t, const char *field)
{
	return t->ev && tep_find_any_field(t->ev, field) != NULL;
}

/* The file lacks an event the analysis needs: say which, and the command that records all. */
static int missing_events(struct ks_analysis *a, struct ks_err *err)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (!f)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ks_analysis_print_events(a, f);
	fclose(f);
	if (len && line[len - 1] == '\n')
		line[len - 1] = 0;
	ks_err_set(err, -ENOENT, "%s has no %s events; record what %s reads with: %s",
		   a->o.input, a->missing, a->p->name, line ? line : "kscope record");
	free(line);
	return -ENOENT;
}

/* Event id -> type, and the common fields, once every event is known. */
static int build_dispatch(struct ks_analysis *a, struct ks_err *err)
{
	int i, max = 0;

	if (a->missing[0])
		return missing_events(a, err);
	for (i = 0; i < a->ntypes; i++)
		if (a->types[i].ev->id > max)
			max = a->types[i].ev->id;
	a->nslots = max + 1;
	a->slot = calloc((size_t)a->nslots, sizeof(*a->slot));
	if (!a->slot)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < a->ntypes; i++)
		a->slot[a->types[i].ev->id] = (uint16_t)(i + 1);
	if (!a->ntypes)
		return ks_err_set(err, -EINVAL, "the analysis reads no events");
	if (ks_analysis_field_of(a->types[0].ev, "common_type", &a->common_type) ||
	    ks_analysis_field_of(a->types[0].ev, "common_pid", &a->common_pid))
		return ks_err_set(err, -EINVAL, "%s has no common fields", a->types[0].name);
	return 0;
}

void ks_analysis_set_interval(struct ks_analysis *a, double secs)
{
	a->o.interval = secs;
}

/* ==== tasks ==== */

static char *comm_slot(struct ks_analysis *a, int pid, const char *name);

/* A new task: a child of the command if its parent is one; named as its parent (live). */
static void on_fork(struct ks_analysis *a, const struct ks_event *e)
{
	uint64_t parent = ks_field_u64(&a->fork_parent, e);
	uint64_t child = ks_field_u64(&a->fork_child, e);
	char *c;

	if (a->tasks && ks_map_find(a->tasks, parent))
		ks_map_get(a->tasks, child, NULL);
	if (a->comms) {
		c = comm_slot(a, (int)child, "");
		if (c)
			snprintf(c, 16, "%s", ks_field_str(&a->fork_comm, e));
	}
}

int ks_analysis_tgid(struct ks_analysis *a, int tid)
{
	char path[64], *text, *p;
	int *cached, tgid = tid;
	bool added;

	if (a->tdat || tid <= 0 || !a->tgids)
		return tid;
	cached = ks_map_get(a->tgids, (uint64_t)tid, &added);
	if (cached && !added)
		return *cached;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (!ks_read_file(path, &text, NULL)) {
		p = strstr(text, "\nTgid:");
		if (p)
			tgid = atoi(p + 6);
		free(text);
	}
	if (cached)
		*cached = tgid;
	return tgid;
}

bool ks_analysis_task_wanted(struct ks_analysis *a, int tid)
{
	int i, tgid;

	if (a->tasks && !ks_map_find(a->tasks, (uint64_t)tid))
		return false;
	if (!a->o.npids)
		return true;
	for (i = 0; i < a->o.npids; i++)
		if (a->o.pids[i] == tid)
			return true;
	tgid = ks_analysis_tgid(a, tid);
	for (i = 0; i < a->o.npids; i++)
		if (a->o.pids[i] == tgid)
			return true;
	return false;
}

/*
 * The cached name of @pid (live only), read from /proc when first asked for, or set
 * to @name; NULL if none.
 */
static char *comm_slot(struct ks_analysis *a, int pid, const char *name)
{
	char (*names)[16];
	size_t *idx;
	bool added;

	idx = a->comms ? ks_map_get(a->comms, (uint64_t)pid, &added) : NULL;
	if (!idx)
		return NULL;
	if (!added)
		return a->comm_names[*idx];
	names = realloc(a->comm_names, (a->ncomm_names + 1) * sizeof(*names));
	if (!names) {
		ks_map_delete(a->comms, (uint64_t)pid);
		return NULL;
	}
	a->comm_names = names;
	if (name)
		snprintf(names[a->ncomm_names], sizeof(names[0]), "%s", name);
	else if (ks_proc_comm(pid, names[a->ncomm_names], sizeof(names[0])))
		snprintf(names[a->ncomm_names], sizeof(names[0]), "[unknown]");
	*idx = a->ncomm_names++;
	return names[*idx];
}

const char *ks_analysis_comm(struct ks_analysis *a, int pid)
{
	const char *c;

	if (pid == 0)
		return "swapper";
	if (a->tdat)
		return tep_data_comm_from_pid(a->tep, pid);
	c = comm_slot(a, pid, NULL);
	return c ? c : "[unknown]";
}

void ks_analysis_remember_comm(struct ks_analysis *a, int pid)
{
	if (!a->tdat && pid > 0)
		comm_slot(a, pid, NULL);
}

/* A task that execs takes the new program's name: what /proc says from then on. */
static void on_exec(struct ks_analysis *a, const struct ks_event *e)
{
	const char *file = ks_field_str(&a->exec_filename, e), *base = strrchr(file, '/');
	char *c = comm_slot(a, (int)ks_field_s64(&a->exec_pid, e), "");

	if (c && *file)
		snprintf(c, 16, "%s", base ? base + 1 : file);
}

struct ks_map *ks_analysis_map(struct ks_analysis *a, size_t value_size)
{
	struct ks_map *m;

	if (a->nmaps == KS_ANALYSIS_MAX_MAPS)
		return NULL;
	m = ks_map_new(value_size, a->o.max_entries);
	if (m)
		a->maps[a->nmaps++] = m;
	return m;
}

uint64_t ks_analysis_now(const struct ks_analysis *a)
{
	return a->now;
}

uint64_t ks_analysis_start(const struct ks_analysis *a)
{
	return a->start;
}

const char *ks_analysis_machine(const struct ks_analysis *a)
{
	const char *u, *sp;

	if (!a->tdat)
		return a->machine;
	/* The file's uname: "Linux host 6.1.0 #1 SMP ... x86_64", the machine last. */
	u = ks_tdat_info(a->tdat)->uname;
	sp = strrchr(u, ' ');
	return sp ? sp + 1 : *u ? u : NULL;
}

int ks_analysis_pids(const struct ks_analysis *a, const int **pids)
{
	*pids = a->o.pids;
	return a->o.npids;
}

bool ks_analysis_has_command(const struct ks_analysis *a)
{
	return a->o.cmd != NULL;
}

enum ks_analysis_path ks_analysis_path(const struct ks_analysis *a)
{
	return a->o.path;
}

bool ks_analysis_per_task(const struct ks_analysis *a)
{
	return a->tasks || a->o.npids;
}

bool ks_analysis_offline(const struct ks_analysis *a)
{
	return a->tdat != NULL;
}

int ks_analysis_ncpus(const struct ks_analysis *a)
{
	return a->ncpus;
}

bool ks_analysis_json(const struct ks_analysis *a)
{
	return a->o.json;
}

/* ==== dispatch ==== */

void ks_analysis_dispatch(struct ks_analysis *a, const struct tep_record *rec)
{
	struct ks_event e = { .ts = rec->ts, .cpu = rec->cpu, .data = rec->data, .size = rec->size };
	struct ks_evtype *t;
	uint64_t id;

	if (rec->missed_events > 0)
		a->lost += (uint64_t)rec->missed_events;
	else if (rec->missed_events < 0)
		a->lossy_pages++;
	id = ks_field_u64(&a->common_type, &e);
	if (id >= (uint64_t)a->nslots || !a->slot[id])
		return;
	if (a->cpu_allowed && (rec->cpu < 0 || rec->cpu >= a->ncpus ||
			       !(a->cpu_allowed[rec->cpu / 64] & (1ull << (rec->cpu % 64)))))
		return;
	a->now = rec->ts;
	if (!a->start)
		a->start = rec->ts;
	e.pid = (int)ks_field_s64(&a->common_pid, &e);
	t = &a->types[a->slot[id] - 1];
	if (t == a->fork_type)
		on_fork(a, &e);
	if (t == a->exec_type)
		on_exec(a, &e);
	/* Offline, the filter the kernel applies live (and live, one it could not). */
	if (t->expr && !ks_evexpr_match(t->expr, (struct tep_record *)rec))
		return;
	if (t->fn)
		t->fn(a, a->priv, &e);
}

/* ==== reports ==== */

static void item_begin_q(struct ks_analysis *a, const char *type, const char *key,
			 const char *value, bool quoted)
{
	if (!a->o.json) {
		if (key)
			fprintf(a->out, quoted ? "\n%s = '%s'\n" : "\n%s = %s\n", key, value);
		return;
	}
	fprintf(a->out, "%s{\"type\": \"%s\"", a->items++ ? ", " : "", type);
	if (key) {
		fprintf(a->out, ", \"key\": ");
		ks_json_str(a->out, key);
		fprintf(a->out, ", \"value\": ");
		ks_json_str(a->out, value);
	}
	fprintf(a->out, ", \"data\": ");
}

static void item_begin(struct ks_analysis *a, const char *type, const char *key,
		       const char *value)
{
	item_begin_q(a, type, key, value, false);
}

void ks_analysis_item_begin(struct ks_analysis *a, const char *type)
{
	item_begin_q(a, type, NULL, NULL, false);
}

static void hist(struct ks_analysis *a, const char *key, const char *value, bool quoted,
		 const char *unit, const struct ks_log2 *h)
{
	item_begin_q(a, "log2", key, value, quoted);
	if (a->o.json) {
		ks_log2_json(a->out, h, unit);
		fprintf(a->out, "}");
	} else {
		ks_log2_print(a->out, h, unit);
	}
}

void ks_analysis_hist(struct ks_analysis *a, const char *key, const char *value,
		      const char *unit, const struct ks_log2 *h)
{
	hist(a, key, value, false, unit, h);
}

void ks_analysis_hist_quoted(struct ks_analysis *a, const char *key, const char *value,
			     const char *unit, const struct ks_log2 *h)
{
	hist(a, key, value, true, unit, h);
}

struct key_list {
	uint64_t *keys;
	size_t n;
};

static int collect_key(void *arg, uint64_t key, void *value)
{
	struct key_list *l = arg;

	l->keys[l->n++] = key;
	return 0;
}

static int key_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

void ks_analysis_hist_summary(struct ks_analysis *a, const char *unit, const struct ks_log2 *h)
{
	if (h->count)
		ks_analysis_note(a, "avg = %llu %s, total: %llu %s, count: %llu",
				 (unsigned long long)(h->sum / h->count), unit,
				 (unsigned long long)h->sum, unit, (unsigned long long)h->count);
}

static const char *key_number(void *arg, uint64_t key, char *buf, size_t size)
{
	snprintf(buf, size, "%llu", (unsigned long long)key);
	return buf;
}

void ks_analysis_hists(struct ks_analysis *a, struct ks_map *m, const char *key,
		       const char *unit, bool extra)
{
	ks_analysis_hists_named(a, m, key, key_number, NULL, false, unit, extra);
}

void ks_analysis_hists_named(struct ks_analysis *a, struct ks_map *m, const char *key,
			     ks_key_name_fn name, void *arg, bool quoted, const char *unit,
			     bool extra)
{
	struct key_list l = { calloc(ks_map_count(m) + 1, sizeof(uint64_t)), 0 };
	const struct ks_log2 *h;
	char buf[64];
	size_t i;

	if (!l.keys)
		return;
	ks_map_for_each(m, collect_key, &l);
	if (l.n)
		qsort(l.keys, l.n, sizeof(*l.keys), key_cmp);
	for (i = 0; i < l.n; i++) {
		h = ks_map_find(m, l.keys[i]);
		hist(a, key, name(arg, l.keys[i], buf, sizeof(buf)), quoted, unit, h);
		if (extra)
			ks_analysis_hist_summary(a, unit, h);
	}
	free(l.keys);
}

void ks_analysis_linear(struct ks_analysis *a, const char *key, const char *value,
			const char *unit, const struct ks_linear *h)
{
	item_begin(a, "linear", key, value);
	if (a->o.json) {
		ks_linear_json(a->out, h, unit);
		fprintf(a->out, "}");
	} else {
		ks_linear_print(a->out, h, unit);
	}
}

void ks_analysis_table(struct ks_analysis *a, const struct ks_col *cols, int ncols)
{
	a->cols = cols;
	a->ncols = ncols;
	a->rows = 0;
	a->table_open = true;
	if (!a->o.json) {
		ks_table_header(a->out, cols, ncols);
		return;
	}
	item_begin(a, "table", NULL, NULL);
	fprintf(a->out, "[");
}

void ks_analysis_row(struct ks_analysis *a, const union ks_cell *cells)
{
	if (!a->table_open)
		return;
	if (!a->o.json) {
		ks_table_row(a->out, a->cols, a->ncols, cells);
		return;
	}
	fprintf(a->out, "%s", a->rows++ ? ", " : "");
	ks_table_row_json(a->out, a->cols, a->ncols, cells);
}

void ks_analysis_table_end(struct ks_analysis *a)
{
	if (a->table_open && a->o.json)
		fprintf(a->out, "]}");
	a->table_open = false;
}

void ks_analysis_note(struct ks_analysis *a, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!a->o.json) {
		fprintf(a->out, "%s\n", text);
		return;
	}
	item_begin(a, "note", NULL, NULL);
	ks_json_str(a->out, text);
	fprintf(a->out, "}");
}

void ks_analysis_clear_screen(struct ks_analysis *a)
{
	if (!a->o.json && isatty(fileno(a->out)))
		fputs("\033[H\033[2J", a->out);
}

void ks_analysis_stream(struct ks_analysis *a, const struct ks_col *cols, int ncols)
{
	a->stream_cols = cols;
	a->nstream_cols = ncols;
}

void ks_analysis_stream_begin(struct ks_analysis *a)
{
	if (a->stream_cols && !a->o.json)
		ks_table_header(a->out, a->stream_cols, a->nstream_cols);
}

void ks_analysis_stream_row(struct ks_analysis *a, const union ks_cell *cells)
{
	if (!a->stream_cols)
		return;
	if (!a->o.json) {
		ks_table_row(a->out, a->stream_cols, a->nstream_cols, cells);
		return;
	}
	fprintf(a->out, "{\"analysis\": \"%s\", \"row\": ", a->p->name);
	ks_table_row_json(a->out, a->stream_cols, a->nstream_cols, cells);
	fprintf(a->out, "}\n");
}

int ks_analysis_flush(struct ks_analysis *a)
{
	fflush(a->out);
	if (!ferror(a->out))
		return 0;
	if (ks_fd_reader_gone(fileno(a->out)))
		return 1;
	return ks_err_runtime(a->err, -EIO, "cannot write the output");
}

void ks_analysis_emit_begin(struct ks_analysis *a, bool final)
{
	char stamp[16];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	a->items = 0;
	if (a->o.json) {
		fprintf(a->out, "{\"analysis\": \"%s\", \"interval\": %d, \"final\": %s, "
			"\"time\": \"%s\", \"results\": [", a->p->name, a->reports,
			final ? "true" : "false", stamp);
		return;
	}
	if (a->o.interval > 0 && a->reports)
		fputc('\n', a->out);
	/* A stream's lines came already: its end report only tells losses. */
	if (a->o.timestamp && !a->stream_cols)
		fprintf(a->out, "%-8s\n", stamp);
}

/* Losses, never silent: the ring buffers' and the pairing maps'. */
static uint64_t map_drops(const struct ks_analysis *a)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < a->nmaps; i++)
		n += ks_map_dropped(a->maps[i]);
	return n;
}

void ks_analysis_emit_end(struct ks_analysis *a, bool final)
{
	uint64_t drops = map_drops(a);

	if (a->o.json) {
		fprintf(a->out, "], \"lost_events\": %llu, \"lossy_subbuffers\": %llu, "
			"\"dropped_entries\": %llu}\n", (unsigned long long)a->lost,
			(unsigned long long)a->lossy_pages, (unsigned long long)drops);
	} else {
		if ((a->lost || a->lossy_pages) && (a->p->flags & KS_PLUGIN_STACKS))
			fprintf(stderr, "kscope %s: lost %llu samples in the perf rings: the "
				"stacks above miss them (a larger --buffer-kb helps)\n", a->p->name,
				(unsigned long long)a->lost);
		else if (a->lost || a->lossy_pages)
			fprintf(a->out, "\nLost %llu events%s in the ring buffer: the results above "
				"miss them (a larger --buffer-kb helps)\n",
				(unsigned long long)a->lost, a->lossy_pages ?
				" (and sub-buffers that did not count theirs)" : "");
		/* As bcc's stack tools warn: not in the stacks (folded lines go to tools). */
		if (drops && (a->p->flags & KS_PLUGIN_STACKS))
			fprintf(stderr, "kscope %s: dropped %llu samples: more than "
				"--max-entries %zu %s were needed\n", a->p->name,
				(unsigned long long)drops, a->o.max_entries, a->nstack_events ?
				"stacks or pending wakeups" : "stacks");
		else if (drops)
			fprintf(a->out, "\nDropped %llu entries: more than --max-entries %zu "
				"were pending at once\n", (unsigned long long)drops,
				a->o.max_entries);
	}
	fflush(a->out);
	a->reports++;
}

/* ==== options ==== */

static const struct ks_opt common_opts[] = {
	{ 'p', "pid", "PID", "only this process and its threads; repeat or PID,PID" },
	{ 'C', "cpus", "LIST", "only events on these CPUs: 0,2-3" },
	{ 'd', "duration", "SECS", "stop after this long (also: 500ms, 2m)" },
	{ 'T', "timestamp", NULL, "print the time before each interval's output" },
	{ KS_AOPT_JSON, "json", NULL, "one JSON document per interval instead of text" },
	{ 'i', "input", "FILE", "read a trace.dat recorded earlier, not the running kernel" },
	{ KS_AOPT_EVENTS, "events", NULL, "print the command that records what -i reads, and exit" },
	{ KS_AOPT_MAX_ENTRIES, "max-entries", "N", "entries kept (pending pairs, stacks; default "
	  "10240); more are dropped, counted" },
	{ KS_AOPT_BUFFER_KB, "buffer-kb", "KB", "ring buffer per CPU in KiB (default 4096)" },
	{ KS_AOPT_PATH, "path", "kernel|stream", "aggregate in the kernel with hist triggers, or "
	  "stream the events (default: the kernel, where it takes them)" },
};

static const int common_keys[] = {
	KS_AOPT_PID, KS_AOPT_CPUS, KS_AOPT_DURATION, KS_AOPT_TIMESTAMP, KS_AOPT_JSON,
	KS_AOPT_INPUT, KS_AOPT_EVENTS, KS_AOPT_MAX_ENTRIES, KS_AOPT_BUFFER_KB, KS_AOPT_PATH,
};

static bool plugin_has_long(const struct ks_plugin *p, const char *name)
{
	const struct ks_opt *o;

	for (o = p->opts; o && o->key; o++)
		if (o->name && !strcmp(o->name, name))
			return true;
	return false;
}

static bool plugin_has_letter(const struct ks_plugin *p, int key)
{
	const struct ks_opt *o;

	for (o = p->opts; o && o->key; o++)
		if (o->key == key)
			return true;
	return false;
}

/*
 * The plugin's options first, then the common ones: a common short letter the plugin
 * uses for itself is dropped (bcc's syscount -T is "top", not timestamps) and only
 * the long name stays. A free letter keeps meaning the common option (parse_one).
 */
static struct ks_opt *merge_opts(const struct ks_plugin *p)
{
	size_t n = 0, i, k = 0;
	const struct ks_opt *o;
	struct ks_opt *all;

	for (o = p->opts; o && o->key; o++)
		n++;
	all = calloc(n + KS_ARRAY_SIZE(common_opts) + 1, sizeof(*all));
	if (!all)
		return NULL;
	for (o = p->opts; o && o->key; o++)
		all[k++] = *o;
	for (i = 0; i < KS_ARRAY_SIZE(common_opts); i++) {
		/* A measure of the whole system takes no -p: its table does not offer it. */
		if (common_keys[i] == KS_AOPT_PID && (p->flags & KS_PLUGIN_SYSTEM))
			continue;
		/* Only what can aggregate in the kernel has a choice of path. */
		if (common_keys[i] == KS_AOPT_PATH && !(p->flags & KS_PLUGIN_KHIST))
			continue;
		/* A long name the plugin uses for itself is the plugin's (runqlen --cpus). */
		if (plugin_has_long(p, common_opts[i].name))
			continue;
		all[k] = common_opts[i];
		if (common_opts[i].key >= 256 || plugin_has_letter(p, common_opts[i].key))
			all[k].key = common_keys[i];
		k++;
	}
	return all;
}

struct parse_ctx {
	struct ks_analysis *a;
	struct ks_err *err;
};

static int common_opt(struct ks_analysis *a, int key, const char *arg, struct ks_err *err)
{
	int v, ret;

	switch (key) {
	case KS_AOPT_PID:
		ret = ks_parse_int_list(arg, 1, 1 << 30, &a->o.pids, &a->o.npids);
		return ret ? ks_err_set(err, ret, "bad pid '%s'", arg) : 0;
	case KS_AOPT_CPUS:
		a->o.cpu_list = arg;
		ret = ks_parse_cpu_list(arg, ks_proc_ncpus(), &a->o.cpus, &a->o.ncpus);
		return ret ? ks_err_set(err, ret, "bad CPU list '%s' (this machine has CPUs 0-%d)",
					arg, ks_proc_ncpus() - 1) : 0;
	case KS_AOPT_DURATION:
		if (ks_parse_duration(arg, &a->o.duration) || a->o.duration <= 0)
			return ks_err_set(err, -EINVAL, "bad duration '%s'", arg);
		return 0;
	case KS_AOPT_TIMESTAMP:
		a->o.timestamp = true;
		return 0;
	case KS_AOPT_JSON:
		a->o.json = true;
		return 0;
	case KS_AOPT_INPUT:
		a->o.input = arg;
		return 0;
	case KS_AOPT_EVENTS:
		a->o.print_events = true;
		return 0;
	case KS_AOPT_MAX_ENTRIES:
		if (ks_parse_int_range(arg, 1, 1 << 26, &v))
			return ks_err_set(err, -EINVAL, "bad --max-entries '%s'", arg);
		a->o.max_entries = (size_t)v;
		return 0;
	case KS_AOPT_PATH:
		if (strcmp(arg, "kernel") && strcmp(arg, "stream"))
			return ks_err_set(err, -EINVAL, "bad --path '%s' (kernel or stream)", arg);
		a->o.path = strcmp(arg, "kernel") ? KS_PATH_STREAM : KS_PATH_KERNEL;
		return 0;
	case KS_AOPT_BUFFER_KB:
		if (ks_parse_int_range(arg, 1, 1 << 30, &a->o.buffer_kb))
			return ks_err_set(err, -EINVAL, "bad --buffer-kb '%s' (KiB)", arg);
		return 0;
	}
	return -EINVAL;
}

static int parse_one(void *ctx, int key, const char *arg)
{
	struct parse_ctx *pc = ctx;
	struct ks_analysis *a = pc->a;
	size_t i;

	/* A common option under its short letter (the plugin does not use that letter). */
	if (key < 256 && !plugin_has_letter(a->p, key) &&
	    !(key == 'p' && (a->p->flags & KS_PLUGIN_SYSTEM)))
		for (i = 0; i < KS_ARRAY_SIZE(common_opts); i++)
			if (common_opts[i].key == key)
				return common_opt(a, common_keys[i], arg, pc->err);
	if (key >= KS_ANALYSIS_OPT_BASE && key < KS_ANALYSIS_OPT_BASE + 64)
		return common_opt(a, key, arg, pc->err);
	return a->p->opt ? a->p->opt(a, a->priv, key, arg, pc->err) : -EINVAL;
}

/* "[interval [count]]", as bcc's tools take them; "[duration]" for the stack tools. */
static int parse_operands(struct ks_analysis *a, int argc, char **argv, int i,
			  struct ks_err *err)
{
	if (a->p->flags & KS_PLUGIN_STACKS) {
		if (i < argc && (ks_parse_duration(argv[i], &a->o.duration) || a->o.duration <= 0))
			return ks_err_set(err, -EINVAL, "bad duration '%s' (seconds)", argv[i]);
		if (i + 1 < argc)
			return ks_err_set(err, -EINVAL, "unexpected argument '%s' (%s takes one "
					  "operand, the duration; a command goes after --)",
					  argv[i + 1], a->p->name);
		return 0;
	}
	if (i < argc && (ks_parse_duration(argv[i], &a->o.interval) || a->o.interval <= 0))
		return ks_err_set(err, -EINVAL, "bad interval '%s' (seconds)", argv[i]);
	if (i + 1 < argc) {
		int n;

		if (ks_parse_int_range(argv[i + 1], 1, 1 << 30, &n))
			return ks_err_set(err, -EINVAL, "bad count '%s'", argv[i + 1]);
		a->o.count = n;
	}
	if (i + 2 < argc)
		return ks_err_set(err, -EINVAL, "unexpected argument '%s' (a command goes after "
				  "--)", argv[i + 2]);
	if (i < argc && (a->p->flags & KS_PLUGIN_STREAM))
		return ks_err_set(err, -EINVAL, "%s prints each event as it comes: it takes no "
				  "interval ('%s'); --duration SECS sets how long", a->p->name, argv[i]);
	if (i >= argc && a->p->default_interval > 0)
		a->o.interval = a->p->default_interval;
	return 0;
}

static int parse_args(struct ks_analysis *a, int argc, char **argv, bool *help,
		      struct ks_err *err)
{
	struct parse_ctx pc = { a, err };
	struct ks_cmd_help h = { .name = a->p->name, .usage = a->p->usage,
				 .summary = a->p->description, .operands_anywhere = 1 };
	struct ks_opt *all = merge_opts(a->p);
	int i, nopt = argc, ret;

	if (!all)
		return ks_err_set(err, -ENOMEM, "out of memory");
	/* "-- command": everything after the first "--" is the command, never an option. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			nopt = i;
			if (i + 1 < argc)
				a->o.cmd = argv + i + 1;
			break;
		}
	}
	h.opts = all;
	ret = ks_opts_parse(&h, nopt, argv, parse_one, &pc, &i, err);
	*help = ret > 0;
	if (!ret)
		ret = parse_operands(a, nopt, argv, i, err);
	free(all);
	if (ret)
		return ret < 0 ? ret : 0;
	if (nopt < argc && !a->o.cmd)
		return ks_err_set(err, -EINVAL, "-- needs a command after it");
	if (a->o.cmd && a->o.input)
		return ks_err_set(err, -EINVAL, "a command and -i exclude each other");
	if (a->o.npids && a->o.cmd)
		return ks_err_set(err, -EINVAL, "-p and a command exclude each other");
	if (a->o.input && a->o.path != KS_PATH_AUTO)
		return ks_err_set(err, -EINVAL, "--path is for a live run: a recording is read in "
				  "user space");
	return a->o.cmd ? ks_child_check(a->o.cmd, err) : 0;
}

/* ==== the run ==== */

void ks_analysis_print_events(struct ks_analysis *a, FILE *f)
{
	int i;

	fprintf(f, "kscope record");
	for (i = 0; i < a->ntypes; i++) {
		/* The framework's own (names of tasks): a recording has those already. */
		if (!a->types[i].fn)
			continue;
		fprintf(f, " -e %s", a->types[i].name);
		if (a->types[i].user_filter)
			fprintf(f, " -f '%s'", a->types[i].user_filter);
	}
	fprintf(f, " -o %s.dat\n", a->p->name);
}

static int setup_cpus(struct ks_analysis *a, struct ks_err *err)
{
	int i;

	a->ncpus = a->tdat ? ks_tdat_info(a->tdat)->ncpus : ks_proc_ncpus();
	if (!a->o.ncpus)
		return 0;
	a->cpu_allowed = calloc((size_t)a->ncpus / 64 + 1, sizeof(*a->cpu_allowed));
	if (!a->cpu_allowed)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < a->o.ncpus; i++)
		if (a->o.cpus[i] < a->ncpus)
			a->cpu_allowed[a->o.cpus[i] / 64] |= 1ull << (a->o.cpus[i] % 64);
	return 0;
}

/*
 * Tasks: with a command, a per-task analysis follows it and its children (fork
 * events); live, names follow forks and execs, so that a report can name a process
 * that exited before it was printed.
 */
static int setup_tasks(struct ks_analysis *a, struct ks_err *err)
{
	bool follow = a->o.cmd && !(a->p->flags & KS_PLUGIN_SYSTEM);
	int ret = 0;

	if (!a->tdat) {
		a->tgids = ks_map_new(sizeof(int), 1 << 16);
		a->comms = ks_map_new(sizeof(size_t), 1 << 16);
		if (!a->tgids || !a->comms)
			return ks_err_set(err, -ENOMEM, "out of memory");
	}
	if (follow) {
		a->tasks = ks_map_new(1, 1 << 20);
		if (!a->tasks)
			return ks_err_set(err, -ENOMEM, "out of memory");
	}
	if (follow || !a->tdat)
		ret = (follow ? ks_analysis_event : ks_analysis_event_optional)
			(a, "sched:sched_process_fork", NULL, NULL, &a->fork_type, err);
	if (!ret && a->fork_type)
		ret = ks_analysis_field(a, a->fork_type, "parent_pid", &a->fork_parent, err) ?:
		      ks_analysis_field(a, a->fork_type, "child_pid", &a->fork_child, err) ?:
		      ks_analysis_field(a, a->fork_type, "child_comm", &a->fork_comm, err);
	if (!ret && !a->tdat)
		ret = ks_analysis_event_optional(a, "sched:sched_process_exec", NULL, NULL,
						 &a->exec_type, err);
	if (!ret && a->exec_type)
		ret = ks_analysis_field(a, a->exec_type, "filename", &a->exec_filename, err) ?:
		      ks_analysis_field(a, a->exec_type, "pid", &a->exec_pid, err);
	return ret;
}

static int analysis_open(struct ks_analysis *a, struct ks_err *err)
{
	int ret;

	if (a->o.input) {
		ret = ks_tdat_open_flags(a->o.input, KS_TDAT_NO_FUNCTIONS, &a->tdat, err);
		if (ret)
			return ks_err_mark_input(err, ret);
		a->tep = ks_tdat_tep(a->tdat);
	} else {
		if (!uname(&a->uts))
			a->machine = a->uts.machine;
		a->tracefs = ks_tracefs_dir(err);
		if (!a->tracefs && !a->o.print_events)
			return -ENODEV;
		a->tep = tep_alloc();
		a->own_tep = true;
		if (!a->tep)
			return ks_err_set(err, -ENOMEM, "out of memory");
	}
	return setup_cpus(a, err);
}

static void analysis_free(struct ks_analysis *a)
{
	int i;

	ks_analysis_live_close(a);
	if (a->p->free && a->priv)
		a->p->free(a->priv);
	free(a->priv);
	for (i = 0; i < a->ntypes; i++) {
		free(a->types[i].filter);
		free(a->types[i].khist);
		ks_map_free(a->types[i].khist_prev);
		ks_map_free(a->types[i].khist_next);
		ks_evexpr_free(a->types[i].expr);
	}
	for (i = 0; i < a->nmaps; i++)
		ks_map_free(a->maps[i]);
	ks_map_free(a->tasks);
	ks_map_free(a->tgids);
	ks_map_free(a->comms);
	free(a->comm_names);
	free(a->slot);
	free(a->cpu_allowed);
	free(a->o.pids);
	free(a->o.cpus);
	if (a->tdat)
		ks_tdat_close(a->tdat);
	else if (a->own_tep && a->tep)
		tep_free(a->tep);
}

int ks_analysis_run(const struct ks_plugin *p, int argc, char **argv, FILE *out,
		    struct ks_analysis_end *end, struct ks_err *err)
{
	struct ks_analysis a = { .p = p, .out = out, .err = err };
	int ret;

	memset(end, 0, sizeof(*end));
	a.o.max_entries = KS_ANALYSIS_DEFAULT_ENTRIES;
	a.o.buffer_kb = KS_CAPTURE_DEFAULT_BUFFER_KB;
	a.priv = calloc(1, p->priv_size ? p->priv_size : 1);
	if (!a.priv)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = parse_args(&a, argc, argv, &end->help, err);
	if (ret || end->help)
		goto out;
	if (p->flags & KS_PLUGIN_STACKS) {
		ret = ks_analysis_stacks_run(&a, end);
		goto out;
	}
	ret = analysis_open(&a, err) ?: setup_tasks(&a, err) ?: p->setup(&a, a.priv, err) ?:
	      build_dispatch(&a, err);
	if (ret)
		goto out;
	if (a.o.print_events) {
		ks_analysis_print_events(&a, out);
		goto out;
	}
	ret = a.tdat ? ks_analysis_offline_run(&a) : ks_analysis_live_open(&a) ?:
	      ks_analysis_live_run(&a);
	if (a.running) {
		end->exec_failed = ks_run_exec_failed(&a.run);
		end->status = ks_run_exit_status(&a.run);
	}
out:
	analysis_free(&a);
	return ret;
}

int ks_analysis_missing(const struct ks_plugin *p, const char *tracefs, char *missing,
			size_t size)
{
	const char *s = p->needs;

	while (s && *s) {
		size_t n = strcspn(s, ", ");
		char path[4200];
		const char *colon = memchr(s, ':', n);

		if (n && colon) {
			snprintf(path, sizeof(path), "%s/events/%.*s/%.*s", tracefs,
				 (int)(colon - s), s, (int)(n - (size_t)(colon - s) - 1), colon + 1);
			if (access(path, F_OK)) {
				snprintf(missing, size, "%.*s", (int)n, s);
				return 1;
			}
		}
		s += n;
		s += strspn(s, ", ");
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a profile: replays the kscope:* events of a trace.dat in time order,
 * keeping each process's mappings and each thread's name as they were at every
 * sample, and turns samples into resolved stacks: kernel frames through the
 * recording's kallsyms, user frames through the mapped binaries (symbols module),
 * DWARF-mode user stacks unwound first (unwind module). Off-CPU samples
 * (sched_switch with a stack) wait until their thread runs again, which gives
 * their weight: the time it spent off CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>

#include <event-parse.h>

#include "kscope/base/intern.h"
#include "kscope/profile/prof.h"
#include "kscope/tracedat/tracedat.h"
#include "kscope/profile/unwind.h"

#define POOL_CHUNK	(64 * 1024)
#define MAX_FRAMES	1024
/* Resolved stacks kept for reuse, in frames (x 40 bytes): past this, no new ones. */
#define STACK_CACHE_FRAMES	(2u << 20)

/* Strings that never move: names and paths handed out in samples. */
struct pool {
	char **chunks;
	size_t nchunks, used;
	struct ks_intern *ids;
	const char **strs;		/* by intern id */
	size_t nstrs;
};

struct pmap {
	uint64_t start, end, pgoff;
	const struct ks_prof_map *map;
	const uint8_t *bid;		/* raw build-id, or NULL */
	size_t bid_len;
	struct ks_dso *dso;
};

struct proc {
	int ppid;			/* the parent process, from its fork; 0 unknown */
	struct pmap *maps;		/* sorted by start, not overlapping */
	size_t n, cap;
	uint64_t gen;
	struct ks_unwind_map *umaps;	/* the same, for the unwinder; rebuilt when gen moves */
	uint64_t umaps_gen;
};

struct thread {
	int pid;
	const char *comm;
	bool exited;			/* its last switch-out is no blocked interval */
};

/* A thread switched out with its stack, waiting to run again. */
struct pending {
	bool used;
	uint64_t time;
	int pid, cpu;
	char state;
	const char *comm;
	struct ks_prof_loc *locs;	/* owned, unless stack_id says it is the cache's */
	unsigned int nlocs;
	uint32_t stack_id;
};

/* A resolved stack, kept for the samples whose raw stack is the same. */
struct cached_stack {
	struct ks_prof_loc *locs;
	unsigned int n, unresolved;
};

/* Fields of one kscope event, found by name in the file's format. */
struct evfields {
	int id;
	struct tep_format_field *f[12];
};

enum { F_PID, F_EVENT, F_IP, F_PERIOD, F_CALLCHAIN, F_REGS, F_STACK, F_RAW, F_ABI, F_MISC };
enum { M_PID, M_START, M_LEN, M_PGOFF, M_BUILD_ID, M_FILENAME };
enum { C_PID, C_EXEC, C_COMM };
enum { T_PID, T_PPID, T_PTID, T_EXIT };
enum { L_LOST, L_KIND };
enum { S_PID, S_OUT };

struct ks_prof {
	struct ks_tdat *tdat;
	struct tep_handle *tep;
	struct ks_prof_opts opts;
	struct ks_prof_info info;
	struct ks_prof_stats stats;
	char *meta;
	struct ks_syms *syms;
	struct ks_unwind *unw;
	struct pool pool;

	struct evfields sample, mmap, comm, task, lost, sw;
	struct tep_format_field *ss_prev_pid, *ss_prev_state, *ss_next_pid;
	int ss_id;

	struct ks_intern *tids;		/* tid -> index into threads/pending */
	struct thread *threads;
	struct pending *pending;
	size_t nthreads, threads_cap;
	struct ks_intern *pids;		/* pid -> index into procs */
	struct proc *procs;
	size_t nprocs, procs_cap;
	struct ks_intern *maps_ids;	/* (path, build-id, range) -> index into maps */
	struct ks_prof_map **maps;
	size_t nmaps;
	struct ks_prof_map *kmap;	/* the kernel */
	struct { const char *name; const struct ks_prof_map *map; } *mods;	/* modules seen */
	size_t nmods;
	uint64_t regs_mask;
	uint64_t maps_gen;		/* last generation handed out: unique across pids */
	uint64_t last_ts;

	struct ks_prof_loc *locs;	/* the sample being built */
	unsigned int nlocs;
	const struct ks_prof_loc *cur;	/* the current sample's stack: locs or cached */
	uint32_t cur_id;		/* and its stack id */
	struct ks_prof_loc *out_locs;	/* an off-CPU sample handed out (freed next call) */

	/*
	 * Raw stacks (process, mapping generation, callchain) already resolved: most
	 * samples repeat a stack seen before, and skip symbolization and unwinding.
	 */
	struct ks_intern *stack_ids;
	struct cached_stack *stacks;
	size_t nstacks, stacks_cap, stack_frames;
	bool stack_cache_off;		/* out of memory once: stacks are no longer cached */
	struct ks_buf stack_key;
	size_t flush_next;		/* at the end: the next pending thread to flush */
	bool at_end;

	struct { const char *path, *why; } *missing;
	size_t nmissing;
	struct ks_intern *missing_ids;
};

/* --- the string pool --- */

static const char *pool_str(struct pool *pl, const char *s, size_t len)
{
	uint32_t id;
	char *dst;
	int ret;

	if (!pl->ids && !(pl->ids = ks_intern_new()))
		return NULL;
	ret = ks_intern_add(pl->ids, s, len, &id);
	if (ret < 0)
		return NULL;
	if (!ret)
		return pl->strs[id];
	if (len + 1 > POOL_CHUNK - pl->used || !pl->nchunks) {
		size_t size = len + 1 > POOL_CHUNK ? len + 1 : POOL_CHUNK;
		char **nc = realloc(pl->chunks, (pl->nchunks + 1) * sizeof(*nc));

		if (!nc)
			return NULL;
		pl->chunks = nc;
		pl->chunks[pl->nchunks] = malloc(size);
		if (!pl->chunks[pl->nchunks])
			return NULL;
		pl->nchunks++;
		pl->used = 0;
	}
	dst = pl->chunks[pl->nchunks - 1] + pl->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	pl->used += len + 1;
	if (id >= pl->nstrs) {
		size_t n = pl->nstrs ? pl->nstrs * 2 : 256;
		const char **ns;

		while (n <= id)
			n *= 2;
		ns = realloc(pl->strs, n * sizeof(*ns));
		if (!ns)
			return NULL;
		pl->strs = ns;
		pl->nstrs = n;
	}
	pl->strs[id] = dst;
	return dst;
}

static void pool_free(struct pool *pl)
{
	size_t i;

	for (i = 0; i < pl->nchunks; i++)
		free(pl->chunks[i]);
	free(pl->chunks);
	free(pl->strs);
	ks_intern_free(pl->ids);
}

/* --- tables keyed by pid / tid --- */

/* Index of @key's slot in @ids, growing the parallel arrays by @grow. -1: no memory. */
static long slot(struct ks_intern *ids, int key, void **arr, size_t elem, size_t *n,
		 size_t *cap)
{
	uint32_t id;
	int ret = ks_intern_add(ids, &key, sizeof(key), &id);

	if (ret < 0)
		return -1;
	if (id >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *na = realloc(*arr, ncap * elem);

		if (!na)
			return -1;
		memset((char *)na + *cap * elem, 0, (ncap - *cap) * elem);
		*arr = na;
		*cap = ncap;
	}
	if (id >= *n)
		*n = id + 1;
	return id;
}

static struct thread *thread_get(struct ks_prof *p, int tid)
{
	size_t cap = p->threads_cap;
	long i = slot(p->tids, tid, (void **)&p->threads, sizeof(*p->threads), &p->nthreads,
		      &p->threads_cap);

	if (i < 0)
		return NULL;
	if (cap != p->threads_cap) {
		struct pending *np = realloc(p->pending, p->threads_cap * sizeof(*np));

		if (!np)
			return NULL;
		memset(np + cap, 0, (p->threads_cap - cap) * sizeof(*np));
		p->pending = np;
	}
	if (!p->threads[i].comm) {
		p->threads[i].pid = tid;
		p->threads[i].comm = tid ? NULL : "swapper";
	}
	return &p->threads[i];
}

static struct proc *proc_get(struct ks_prof *p, int pid)
{
	long i = slot(p->pids, pid, (void **)&p->procs, sizeof(*p->procs), &p->nprocs,
		      &p->procs_cap);

	return i < 0 ? NULL : &p->procs[i];
}

static struct proc *proc_find(struct ks_prof *p, int pid)
{
	uint32_t id;

	return ks_intern_find(p->pids, &pid, sizeof(pid), &id) ? NULL : &p->procs[id];
}

/* --- mappings --- */

static const struct ks_prof_map *map_intern(struct ks_prof *p, const char *path,
					    const char *bid_hex, uint64_t start, uint64_t end,
					    uint64_t pgoff, bool kernel)
{
	struct { const char *path, *bid; uint64_t start, end, pgoff; } key = {
		path, bid_hex, start, end, pgoff };
	struct ks_prof_map *m, **nm;
	uint32_t id;
	int ret;

	ret = ks_intern_add(p->maps_ids, &key, sizeof(key), &id);
	if (ret < 0)
		return NULL;
	if (!ret)
		return p->maps[id];
	m = calloc(1, sizeof(*m));
	nm = realloc(p->maps, (p->nmaps + 1) * sizeof(*nm));
	if (!m || !nm) {
		free(m);
		if (nm)
			p->maps = nm;
		return NULL;
	}
	p->maps = nm;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->path = path;
	m->build_id = bid_hex;
	m->kernel = kernel;
	m->id = (unsigned int)p->nmaps + 1;
	p->maps[p->nmaps++] = m;
	return m;
}

static int proc_reserve(struct proc *pr, size_t extra)
{
	struct pmap *nm;
	size_t cap;

	if (pr->n + extra <= pr->cap)
		return 0;
	cap = pr->cap ? pr->cap * 2 : 16;
	while (cap < pr->n + extra)
		cap *= 2;
	nm = realloc(pr->maps, cap * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	pr->maps = nm;
	pr->cap = cap;
	return 0;
}

/* A piece of @e, [start, end), as its own mapping. */
static int pmap_cut(struct ks_prof *p, struct pmap *e, uint64_t start, uint64_t end)
{
	const struct ks_prof_map *m = map_intern(p, e->map->path, e->map->build_id, start, end,
						 e->pgoff + (start - e->start), false);

	if (!m)
		return -ENOMEM;
	e->pgoff += start - e->start;
	e->start = start;
	e->end = end;
	e->map = m;
	return 0;
}

/* A new mapping replaces whatever it overlaps, as mmap does. */
static int proc_add_map(struct ks_prof *p, struct proc *pr, const struct pmap *nm)
{
	size_t i, n = pr->n;
	int ret = proc_reserve(pr, 2);

	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		struct pmap *e = &pr->maps[i];

		if (e->end <= nm->start || e->start >= nm->end)
			continue;
		if (e->start < nm->start && e->end > nm->end) {
			/* The new one punches a hole: keep both sides. */
			struct pmap right = *e;

			ret = pmap_cut(p, &right, nm->end, e->end) ?:
				pmap_cut(p, e, e->start, nm->start);
			if (ret)
				return ret;
			pr->maps[pr->n++] = right;
		} else if (e->start < nm->start) {
			ret = pmap_cut(p, e, e->start, nm->start);
		} else if (e->end > nm->end) {
			ret = pmap_cut(p, e, nm->end, e->end);
		} else {
			e->end = e->start;	/* wholly covered: dropped below */
		}
		if (ret)
			return ret;
	}
	pr->maps[pr->n++] = *nm;
	for (i = 0, n = 0; i < pr->n; i++)
		if (pr->maps[i].end > pr->maps[i].start)
			pr->maps[n++] = pr->maps[i];
	pr->n = n;
	/* Sorted but for the pieces appended above: an insertion sort is linear here. */
	for (i = 1; i < pr->n; i++) {
		struct pmap e = pr->maps[i];
		size_t j = i;

		for (; j > 0 && pr->maps[j - 1].start > e.start; j--)
			pr->maps[j] = pr->maps[j - 1];
		pr->maps[j] = e;
	}
	pr->gen = ++p->maps_gen;
	return 0;
}

static struct pmap *proc_lookup(struct proc *pr, uint64_t addr)
{
	size_t lo = 0, hi = pr ? pr->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < pr->maps[mid].start)
			hi = mid;
		else if (addr >= pr->maps[mid].end)
			lo = mid + 1;
		else
			return &pr->maps[mid];
	}
	return NULL;
}

/* --- record fields --- */

static bool field_ok(const struct tep_record *rec, const struct tep_format_field *f)
{
	return f && f->offset >= 0 && f->size > 0 && f->offset + f->size <= rec->size;
}

static uint64_t num(const struct tep_record *rec, struct tep_format_field *f)
{
	unsigned long long v = 0;

	if (field_ok(rec, f))
		tep_read_number_field(f, rec->data, &v);
	return v;
}

/* A __data_loc field's bytes, bounds-checked; NULL and 0 if absent or bad. */
static const void *dyn(const struct tep_record *rec, struct tep_format_field *f, size_t *len)
{
	uint32_t loc, off, n;

	*len = 0;
	if (!field_ok(rec, f) || f->size != 4)
		return NULL;
	memcpy(&loc, (const char *)rec->data + f->offset, 4);
	off = loc & 0xffff;
	n = loc >> 16;
	if (!n || off + n > (uint32_t)rec->size)
		return NULL;
	*len = n;
	return (const char *)rec->data + off;
}

static int find_fields(struct tep_handle *tep, const char *name, struct evfields *ev,
		       const char *const *names)
{
	struct tep_event *e = tep_find_event_by_name(tep, "kscope", name);
	int i;

	ev->id = -1;
	if (!e)
		return -ENOENT;
	ev->id = e->id;
	for (i = 0; names[i]; i++)
		ev->f[i] = tep_find_field(e, names[i]);
	return 0;
}

/* --- the recording's settings --- */

static const char *meta_get(char *meta, const char *key)
{
	size_t n = strlen(key);
	char *l;

	for (l = meta; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, n) && l[n] == '=')
			return l + n + 1;
	return NULL;
}

static uint64_t meta_u64(char *meta, const char *key, int base)
{
	const char *v = meta_get(meta, key);

	return v ? strtoull(v, NULL, base) : 0;
}

static int parse_meta(struct ks_prof *p, struct ks_err *err)
{
	uint32_t size;
	const char *data = ks_tdat_option(p->tdat, KS_TDAT_OPT_KSCOPE_PROFILE, &size);
	struct ks_prof_info *in = &p->info;
	char key[32], *l;
	const char *v;
	int i;

	if (!data || !size)
		return ks_err_set(err, -EINVAL, "no profile settings in the file (not written by "
				  "kscope profile)");
	p->meta = malloc(size + 1);
	if (!p->meta)
		return ks_err_set(err, -ENOMEM, "out of memory");
	memcpy(p->meta, data, size);
	p->meta[size] = '\0';
	/* Look everything up first, then cut the lines. */
	in->offcpu_event = -1;
	v = meta_get(p->meta, "events");
	in->nevents = v ? atoi(v) : 0;
	if (in->nevents < 0 || in->nevents > KS_PROF_MAX_EVENTS)
		in->nevents = 0;
	for (i = 0; i < in->nevents; i++) {
		snprintf(key, sizeof(key), "event%d", i);
		in->event[i] = meta_get(p->meta, key);
		snprintf(key, sizeof(key), "event%d_clock", i);
		v = meta_get(p->meta, key);
		in->event_clock[i] = v && *v == '1';
		snprintf(key, sizeof(key), "event%d_offcpu", i);
		v = meta_get(p->meta, key);
		if (v && *v == '1')
			in->offcpu_event = i;
	}
	in->machine = meta_get(p->meta, "machine");
	in->clock = meta_get(p->meta, "clock");
	in->callgraph = meta_get(p->meta, "callgraph");
	in->target = meta_get(p->meta, "target");
	in->command = meta_get(p->meta, "command");
	in->freq = meta_u64(p->meta, "freq", 10);
	in->period = meta_u64(p->meta, "period", 10);
	in->start_ns = meta_u64(p->meta, "start_ns", 10);
	in->start_epoch_ns = meta_u64(p->meta, "start_epoch_ns", 10);
	in->duration_ns = meta_u64(p->meta, "duration_ns", 10);
	p->regs_mask = meta_u64(p->meta, "regs_mask", 16);
	for (l = p->meta; (l = strchr(l, '\n')); l++)
		*l = '\0';
	for (i = 0; i < in->nevents; i++)
		if (!in->event[i])
			in->event[i] = "?";
	in->machine = in->machine ?: "";
	in->clock = in->clock ?: "";
	in->callgraph = in->callgraph ?: "none";
	in->target = in->target ?: "";
	in->command = in->command ?: "";
	return 0;
}

/* --- opening --- */

static int prof_setup(struct ks_prof *p, const struct ks_prof_opts *o, struct ks_err *err)
{
	static const char *const sample_f[] = { "pid", "event", "ip", "period", "callchain",
						"regs", "stack", "raw", "abi", "misc", NULL };
	static const char *const mmap_f[] = { "pid", "start", "len", "pgoff", "build_id",
					      "filename", NULL };
	static const char *const comm_f[] = { "pid", "exec", "comm", NULL };
	static const char *const task_f[] = { "pid", "ppid", "ptid", "exit", NULL };
	static const char *const lost_f[] = { "lost", "kind", NULL };
	static const char *const sw_f[] = { "pid", "out", NULL };
	struct ks_syms_opts so = { 0 };
	struct tep_event *ss;
	int ret;

	if (o)
		p->opts = *o;
	p->tep = ks_tdat_tep(p->tdat);
	if (find_fields(p->tep, "sample", &p->sample, sample_f))
		return ks_err_set(err, -EINVAL, "a trace.dat without profile samples (kscope:sample); "
				  "record one with kscope profile");
	find_fields(p->tep, "mmap", &p->mmap, mmap_f);
	find_fields(p->tep, "comm", &p->comm, comm_f);
	find_fields(p->tep, "task", &p->task, task_f);
	find_fields(p->tep, "lost", &p->lost, lost_f);
	find_fields(p->tep, "switch", &p->sw, sw_f);
	ret = parse_meta(p, err);
	if (ret)
		return ret;
	ss = tep_find_event_by_name(p->tep, "sched", "sched_switch");
	p->ss_id = ss ? ss->id : -1;
	if (ss) {
		p->ss_prev_pid = tep_find_field(ss, "prev_pid");
		p->ss_prev_state = tep_find_field(ss, "prev_state");
		p->ss_next_pid = tep_find_field(ss, "next_pid");
	}
	p->tids = ks_intern_new();
	p->pids = ks_intern_new();
	p->maps_ids = ks_intern_new();
	p->missing_ids = ks_intern_new();
	p->locs = calloc(MAX_FRAMES, sizeof(*p->locs));
	p->stack_ids = ks_intern_new();
	if (!p->tids || !p->pids || !p->maps_ids || !p->missing_ids || !p->locs ||
	    !p->stack_ids)
		return ks_err_set(err, -ENOMEM, "out of memory");
	so.symfs = p->opts.symfs;
	so.no_lines = p->opts.no_lines;
	so.no_demangle = p->opts.no_demangle;
	ret = ks_syms_new(&p->syms, &so, err);
	if (ret)
		return ret;
	if (!strcmp(p->info.callgraph, "dwarf")) {
		ret = ks_unwind_new(&p->unw, p->opts.symfs, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int prof_open(struct ks_prof *p, const struct ks_prof_opts *o, struct ks_prof **out,
		     struct ks_err *err)
{
	int ret = prof_setup(p, o, err);

	if (ret) {
		ks_prof_close(p);
		return ret;
	}
	ks_tdat_rewind(p->tdat, NULL);
	*out = p;
	return 0;
}

int ks_prof_open(const char *path, const struct ks_prof_opts *o, struct ks_prof **out,
		 struct ks_err *err)
{
	struct ks_prof *p;
	int ret;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = ks_tdat_open_flags(path, KS_TDAT_NO_FUNCTIONS, &p->tdat, err);
	if (ret) {
		free(p);
		return ret;
	}
	return prof_open(p, o, out, err);
}

int ks_prof_open_mem(const void *data, size_t size, const struct ks_prof_opts *o,
		     struct ks_prof **out, struct ks_err *err)
{
	struct ks_prof *p;
	int ret;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = ks_tdat_open_mem_flags(data, size, KS_TDAT_NO_FUNCTIONS, &p->tdat, err);
	if (ret) {
		free(p);
		return ret;
	}
	return prof_open(p, o, out, err);
}

const struct ks_prof_info *ks_prof_info(const struct ks_prof *p)
{
	return &p->info;
}

struct tep_handle *ks_prof_tep(struct ks_prof *p)
{
	return p->tep;
}

int ks_prof_tgid(struct ks_prof *p, int tid)
{
	uint32_t id;

	if (ks_intern_find(p->tids, &tid, sizeof(tid), &id) || p->threads[id].pid <= 0)
		return -1;
	return p->threads[id].pid;
}

int ks_prof_parent(struct ks_prof *p, int pid)
{
	struct proc *pr = proc_find(p, pid);

	return pr && pr->ppid > 0 ? pr->ppid : -1;
}

const struct ks_prof_stats *ks_prof_stats(const struct ks_prof *p)
{
	return &p->stats;
}

void ks_prof_progress(struct ks_prof *p, uint64_t *done, uint64_t *total)
{
	int i;

	*done = ks_tdat_consumed(p->tdat);
	*total = 0;
	for (i = 0; i < ks_tdat_info(p->tdat)->ncpus; i++)
		*total += ks_tdat_cpu_size(p->tdat, i);
}

int ks_prof_missing(struct ks_prof *p, unsigned int i, const char **path, const char **why)
{
	if (i >= p->nmissing)
		return -ENOENT;
	*path = p->missing[i].path;
	*why = p->missing[i].why;
	return 0;
}

void ks_prof_close(struct ks_prof *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nprocs; i++) {
		free(p->procs[i].maps);
		free(p->procs[i].umaps);
	}
	for (i = 0; p->pending && i < p->threads_cap; i++)
		if (p->pending[i].stack_id == KS_PROF_NO_STACK)
			free(p->pending[i].locs);
	for (i = 0; i < p->nstacks; i++)
		free(p->stacks[i].locs);
	free(p->stacks);
	ks_intern_free(p->stack_ids);
	ks_buf_free(&p->stack_key);
	for (i = 0; i < p->nmaps; i++)
		free(p->maps[i]);
	free(p->maps);
	free(p->mods);
	free(p->procs);
	free(p->threads);
	free(p->pending);
	free(p->locs);
	free(p->out_locs);
	free(p->missing);
	free(p->meta);
	ks_intern_free(p->tids);
	ks_intern_free(p->pids);
	ks_intern_free(p->maps_ids);
	ks_intern_free(p->missing_ids);
	ks_unwind_free(p->unw);
	ks_syms_free(p->syms);
	pool_free(&p->pool);
	ks_tdat_close(p->tdat);
	free(p);
}

/* --- side-band records --- */

static const char *hex(struct ks_prof *p, const uint8_t *b, size_t n)
{
	char buf[2 * 64 + 1];

	if (n > 64)
		n = 64;
	return pool_str(&p->pool, ks_hex(b, n, buf), 2 * n);
}

static int on_mmap(struct ks_prof *p, const struct tep_record *rec)
{
	size_t flen, blen;
	const char *file = dyn(rec, p->mmap.f[M_FILENAME], &flen);
	const uint8_t *bid = dyn(rec, p->mmap.f[M_BUILD_ID], &blen);
	struct pmap nm = { 0 };
	struct proc *pr;
	uint64_t len;

	if (!file)
		return 0;
	flen = strnlen(file, flen);
	nm.start = num(rec, p->mmap.f[M_START]);
	len = num(rec, p->mmap.f[M_LEN]);
	nm.pgoff = num(rec, p->mmap.f[M_PGOFF]);
	if (!len || nm.start + len < nm.start)
		return 0;
	nm.end = nm.start + len;
	pr = proc_get(p, (int)num(rec, p->mmap.f[M_PID]));
	file = pool_str(&p->pool, file, flen);
	if (!pr || !file)
		return -ENOMEM;
	nm.map = map_intern(p, file, bid ? hex(p, bid, blen) : "", nm.start, nm.end, nm.pgoff,
			    false);
	if (!nm.map || (bid && !nm.map->build_id))
		return -ENOMEM;
	nm.bid = bid ? (const uint8_t *)pool_str(&p->pool, (const char *)bid, blen) : NULL;
	nm.bid_len = bid ? blen : 0;
	return proc_add_map(p, pr, &nm);
}

static int on_comm(struct ks_prof *p, const struct tep_record *rec, int tid)
{
	size_t len;
	const char *comm = dyn(rec, p->comm.f[C_COMM], &len);
	struct thread *t = thread_get(p, tid);
	struct proc *pr;
	int pid = (int)num(rec, p->comm.f[C_PID]);

	if (!t)
		return -ENOMEM;
	t->pid = pid;
	t->exited = false;
	if (comm)
		t->comm = pool_str(&p->pool, comm, strnlen(comm, len));
	if (num(rec, p->comm.f[C_EXEC]) && (pr = proc_find(p, pid))) {
		/* A new program: the old mappings are gone. */
		pr->n = 0;
		pr->gen = ++p->maps_gen;
	}
	return 0;
}

static int on_task(struct ks_prof *p, const struct tep_record *rec, int tid)
{
	int pid = (int)num(rec, p->task.f[T_PID]), ppid = (int)num(rec, p->task.f[T_PPID]);
	int ptid = (int)num(rec, p->task.f[T_PTID]);
	struct thread *t, *parent;
	struct proc *pr, *pp;
	const char *comm;

	if (num(rec, p->task.f[T_EXIT])) {
		uint32_t id;

		/* Gone: nothing it waits for will end, and its final switch-out follows. */
		if (!ks_intern_find(p->tids, &tid, sizeof(tid), &id)) {
			p->threads[id].exited = true;
			p->pending[id].used = false;
		}
		return 0;
	}
	parent = thread_get(p, ptid);
	comm = parent ? parent->comm : NULL;
	t = thread_get(p, tid);		/* may move parent */
	if (!t || !parent)
		return -ENOMEM;
	t->pid = pid;
	t->comm = comm;
	t->exited = false;
	if (pid == ppid || proc_find(p, pid))
		return 0;
	/* A new process starts with a copy of its parent's mappings. */
	pr = proc_get(p, pid);
	if (!pr)
		return -ENOMEM;
	pr->ppid = ppid;
	pp = proc_find(p, ppid);
	if (pp && pp->n) {
		if (proc_reserve(pr, pp->n))
			return -ENOMEM;
		memcpy(pr->maps, pp->maps, pp->n * sizeof(*pr->maps));
		pr->n = pp->n;
		pr->gen = ++p->maps_gen;
	}
	return 0;
}

/* --- resolving frames --- */

static void note_missing(struct ks_prof *p, struct ks_dso *d)
{
	const char *why, *path = ks_syms_dso_name(d);
	uint32_t id;
	void *nm;

	if (!ks_syms_dso_status(p->syms, d, &why) || !why)
		return;
	/* [vdso], anonymous memfd code: nothing a user could install symbols for. */
	if (path[0] == '[' || !strncmp(path, "/memfd:", 7))
		return;
	if (ks_intern_add(p->missing_ids, &d, sizeof(d), &id) != 1)
		return;
	nm = realloc(p->missing, (p->nmissing + 1) * sizeof(*p->missing));
	if (!nm)
		return;
	p->missing = nm;
	p->missing[p->nmissing].path = path;
	p->missing[p->nmissing].why = why;
	p->nmissing++;
}

/* A module's mapping: "[name]" over its functions' range, interned once. */
static const struct ks_prof_map *module_map(struct ks_prof *p, const char *module)
{
	const struct ks_prof_map *m;
	char name[256];
	const char *pname;
	uint64_t start, end;
	size_t i;
	void *nm;

	/* The symbols module hands out one pointer per module name. */
	for (i = 0; i < p->nmods; i++)
		if (p->mods[i].name == module)
			return p->mods[i].map;
	snprintf(name, sizeof(name), "[%s]", module);
	pname = pool_str(&p->pool, name, strlen(name));
	if (!pname)
		return p->kmap;
	ks_syms_kernel_range(p->syms, module, &start, &end);
	m = map_intern(p, pname, "", start, end, 0, true);
	if (!m)
		return p->kmap;
	nm = realloc(p->mods, (p->nmods + 1) * sizeof(*p->mods));
	if (nm) {
		p->mods = nm;
		p->mods[p->nmods].name = module;
		p->mods[p->nmods++].map = m;
	}
	return m;
}

/*
 * The kernel's mapping, with its symbols loaded from the file's kallsyms on first
 * use: a profile without kernel frames never parses them.
 */
static const struct ks_prof_map *kernel_map(struct ks_prof *p)
{
	uint64_t start, end, off;
	char *ksyms;
	size_t len;
	int fd;

	if (p->kmap)
		return p->kmap;
	if (!ks_tdat_kallsyms_file(p->tdat, &fd, &off, &len)) {
		if (len)
			ks_syms_load_kallsyms_file(p->syms, fd, off, len);
	} else {
		ksyms = ks_tdat_take_kallsyms(p->tdat, &len);
		if (ksyms && len)
			ks_syms_load_kallsyms_owned(p->syms, ksyms, len);
		else
			free(ksyms);
	}
	ks_syms_kernel_range(p->syms, NULL, &start, &end);
	p->kmap = (struct ks_prof_map *)map_intern(p, "[kernel.kallsyms]", "", start, end, 0,
						   true);
	return p->kmap;
}

static void add_loc(struct ks_prof *p, struct proc *pr, uint64_t ip, bool kernel, bool ret_addr)
{
	struct ks_prof_loc *l;
	uint64_t addr = ip - (ret_addr ? 1 : 0);

	if (p->nlocs >= MAX_FRAMES)
		return;
	l = &p->locs[p->nlocs++];
	memset(l, 0, sizeof(*l));
	l->addr = ip;
	l->kernel = kernel;
	p->stats.frames++;
	if (kernel) {
		const char *module = NULL;

		l->map = kernel_map(p);
		if (ks_syms_kernel(p->syms, addr, &l->sym, &module))
			memset(&l->sym, 0, sizeof(l->sym));
		if (module)
			l->map = module_map(p, module);
	} else {
		struct pmap *m = proc_lookup(pr, ip);

		if (m) {
			l->map = m->map;
			if (!m->dso)
				m->dso = ks_syms_dso(p->syms, m->map->path, m->bid, m->bid_len);
			if (m->dso && ks_syms_dso_lookup(p->syms, m->dso, m->pgoff + addr - m->start,
							 &l->sym)) {
				memset(&l->sym, 0, sizeof(l->sym));
				note_missing(p, m->dso);
			}
		}
	}
	if (!l->sym.nlines)
		p->stats.unresolved++;
}

static const struct ks_unwind_map *unwind_maps(struct ks_prof *p, struct proc *pr)
{
	size_t i;

	if (pr->umaps && pr->umaps_gen == pr->gen)
		return pr->umaps;
	free(pr->umaps);
	pr->umaps = calloc(pr->n ? pr->n : 1, sizeof(*pr->umaps));
	if (!pr->umaps)
		return NULL;
	for (i = 0; i < pr->n; i++) {
		pr->umaps[i].start = pr->maps[i].start;
		pr->umaps[i].end = pr->maps[i].end;
		pr->umaps[i].pgoff = pr->maps[i].pgoff;
		pr->umaps[i].path = pr->maps[i].map->path;
		pr->umaps[i].build_id = pr->maps[i].bid;
		pr->umaps[i].build_id_len = pr->maps[i].bid_len;
	}
	pr->umaps_gen = pr->gen;
	return pr->umaps;
}

/* User frames of a DWARF-mode sample: unwound from its registers and stack copy. */
static int dwarf_frames(struct ks_prof *p, const struct tep_record *rec, int pid,
			struct proc *pr)
{
	uint64_t ips[256], regs[64];
	struct ks_unwind_input in = { 0 };
	size_t rlen, slen;
	const void *r = dyn(rec, p->sample.f[F_REGS], &rlen);
	const void *stack = dyn(rec, p->sample.f[F_STACK], &slen);
	int n, i;

	if (!r || !pr || !p->unw || rlen > sizeof(regs) ||
	    rlen / 8 != (size_t)__builtin_popcountll(p->regs_mask))
		return 0;
	memcpy(regs, r, rlen);
	in.machine = p->info.machine;
	in.pid = pid;
	in.maps_gen = pr->gen;
	in.maps = unwind_maps(p, pr);
	in.nmaps = pr->n;
	in.regs_mask = p->regs_mask;
	in.regs = regs;
	in.stack = stack;
	in.stack_len = slen;
	if (!in.maps)
		return 0;
	n = ks_unwind_user(p->unw, &in, ips, (int)KS_ARRAY_SIZE(ips));
	if (n <= 1)
		p->stats.unwind_failed++;
	for (i = 0; i < n; i++)
		add_loc(p, pr, ips[i], false, i > 0);
	return n > 0 ? n : 0;
}

/*
 * The stack of a sample, leaf first, into p->locs: the kernel's callchain, whose
 * user part is replaced in DWARF mode by the frames unwound from the stack copy.
 */
static void resolve_raw(struct ks_prof *p, const struct tep_record *rec, int pid)
{
	size_t len, i;
	const uint64_t *cc = dyn(rec, p->sample.f[F_CALLCHAIN], &len);
	unsigned int misc = (unsigned int)num(rec, p->sample.f[F_MISC]);
	bool kernel = (misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
	bool in_kernel = kernel, first = true;
	bool dwarf = p->unw != NULL;
	struct proc *pr = proc_find(p, pid);
	uint64_t ip;

	p->nlocs = 0;
	if (cc && len >= 8) {
		for (i = 0; i < len / 8; i++) {
			memcpy(&ip, cc + i, 8);
			if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
				kernel = ip == (uint64_t)PERF_CONTEXT_KERNEL;
				first = true;
				if (ip != (uint64_t)PERF_CONTEXT_KERNEL &&
				    ip != (uint64_t)PERF_CONTEXT_USER)
					break;		/* guest or hypervisor frames: not ours */
				continue;
			}
			if (kernel || !dwarf)
				add_loc(p, pr, ip, kernel, !first);
			first = false;
		}
	} else if (in_kernel || !dwarf) {
		add_loc(p, pr, num(rec, p->sample.f[F_IP]), in_kernel, false);
	}
	if (dwarf && !dwarf_frames(p, rec, pid, pr) && !in_kernel)
		add_loc(p, pr, num(rec, p->sample.f[F_IP]), false, false);
}

/*
 * The key of a sample's raw stack: the same bytes, the same resolved stack. Mappings
 * change the meaning of user addresses, so their generation is part of it. DWARF
 * samples carry a stack copy that decides their frames: they are not cached.
 */
static bool stack_key(struct ks_prof *p, const struct tep_record *rec, int pid,
		      const struct proc *pr)
{
	size_t len;
	const void *cc = dyn(rec, p->sample.f[F_CALLCHAIN], &len);
	uint64_t head[3] = { pr ? pr->gen : 0, (uint64_t)(uint32_t)pid,
			     num(rec, p->sample.f[F_MISC]) & PERF_RECORD_MISC_CPUMODE_MASK };

	if (p->unw)
		return false;
	if (!cc) {
		head[2] |= num(rec, p->sample.f[F_IP]) << 8;
		len = 0;
	}
	p->stack_key.len = 0;
	return !ks_buf_add(&p->stack_key, head, sizeof(head)) &&
	       !ks_buf_add(&p->stack_key, cc ? cc : (const void *)"", len);
}

/*
 * The sample's stack into p->cur: from the cache, or resolved (and cached). A new
 * key is added before it is resolved (one hash, one probe); should keeping its
 * stack fail, the cache is given up, as ids would no longer match entries.
 */
static void resolve(struct ks_prof *p, const struct tep_record *rec, int pid)
{
	struct cached_stack *cs;
	uint32_t id;
	unsigned int i;
	bool full = p->stack_frames + MAX_FRAMES > STACK_CACHE_FRAMES;
	int ret;

	p->cur = p->locs;
	p->cur_id = KS_PROF_NO_STACK;
	if (p->stack_cache_off || !stack_key(p, rec, pid, proc_find(p, pid))) {
		resolve_raw(p, rec, pid);
		return;
	}
	ret = full ? ks_intern_find(p->stack_ids, p->stack_key.data, p->stack_key.len, &id) :
		     ks_intern_add(p->stack_ids, p->stack_key.data, p->stack_key.len, &id);
	if (ret == 0) {
		cs = &p->stacks[id];
		p->cur = cs->locs;
		p->nlocs = cs->n;
		p->cur_id = id;
		p->stats.frames += cs->n;
		p->stats.unresolved += cs->unresolved;
		return;
	}
	resolve_raw(p, rec, pid);
	if (ret < 0) {
		/* not found in a full cache: fine; out of memory: no more caching */
		p->stack_cache_off = ret != -ENOENT;
		return;
	}
	if (p->nstacks == p->stacks_cap) {
		size_t cap = p->stacks_cap ? p->stacks_cap * 2 : 1024;
		struct cached_stack *ns = realloc(p->stacks, cap * sizeof(*ns));

		if (!ns)
			goto out_off;
		p->stacks = ns;
		p->stacks_cap = cap;
	}
	if (id != p->nstacks)
		goto out_off;
	cs = &p->stacks[p->nstacks];
	cs->n = p->nlocs;
	cs->locs = malloc((p->nlocs ? p->nlocs : 1) * sizeof(*cs->locs));
	if (!cs->locs)
		goto out_off;
	memcpy(cs->locs, p->locs, p->nlocs * sizeof(*cs->locs));
	for (cs->unresolved = 0, i = 0; i < cs->n; i++)
		cs->unresolved += !cs->locs[i].sym.nlines;
	p->nstacks++;
	p->stack_frames += p->nlocs;
	p->cur = cs->locs;
	p->cur_id = id;
	return;
out_off:
	p->stack_cache_off = true;
}

static void fill(struct ks_prof *p, struct ks_prof_sample *s, const struct tep_record *rec,
		 int tid, int pid)
{
	struct thread *t = thread_get(p, tid);

	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->tid = tid;
	s->cpu = rec->cpu;
	s->time = rec->ts;
	s->comm = t && t->comm ? t->comm : "[unknown]";
	s->locs = p->cur;
	s->nlocs = p->nlocs;
	s->stack_id = p->cur_id;
}

/* --- off-CPU --- */

static char state_letter(uint64_t state)
{
	static const char letters[] = "SDTtXZPI";
	int i;

	state &= 0xff;
	if (!state)
		return 'R';
	for (i = 0; i < 8; i++)
		if (state & (1u << i))
			return letters[i];
	return '?';
}

static bool state_wanted(struct ks_prof *p, char st)
{
	return !p->opts.states || strchr(p->opts.states, st);
}

/* Thread @tid left the CPU at @rec with the stack in p->locs. */
static int switch_out(struct ks_prof *p, const struct tep_record *rec, int tid, int pid,
		      char state)
{
	struct thread *t = thread_get(p, tid);
	struct pending *pe;

	if (!t)
		return -ENOMEM;
	if (t->exited)
		return 0;
	pe = &p->pending[t - p->threads];
	if (pe->stack_id == KS_PROF_NO_STACK)
		free(pe->locs);
	pe->locs = NULL;
	pe->used = true;
	pe->time = rec->ts;
	pe->pid = pid;
	pe->cpu = rec->cpu;
	pe->state = state;
	pe->comm = t->comm;
	pe->nlocs = p->nlocs;
	pe->stack_id = p->cur_id;
	if (pe->stack_id != KS_PROF_NO_STACK) {
		pe->locs = (struct ks_prof_loc *)p->cur;	/* the cache's, kept to the end */
	} else if (p->nlocs) {
		pe->locs = malloc(p->nlocs * sizeof(*pe->locs));
		if (!pe->locs)
			return -ENOMEM;
		memcpy(pe->locs, p->cur, p->nlocs * sizeof(*pe->locs));
	}
	return 0;
}

/* Thread @tid runs again at @ts: its pending stack becomes a sample. 1 if one was made. */
static int switch_in(struct ks_prof *p, int tid, uint64_t ts, struct ks_prof_sample *s)
{
	uint32_t id;
	struct pending *pe;

	if (ks_intern_find(p->tids, &tid, sizeof(tid), &id))
		return 0;
	pe = &p->pending[id];
	if (!pe->used)
		return 0;
	pe->used = false;
	if (!state_wanted(p, pe->state)) {
		p->stats.offcpu_filtered++;
		return 0;
	}
	memset(s, 0, sizeof(*s));
	s->pid = pe->pid;
	s->tid = tid;
	s->cpu = pe->cpu;
	s->time = pe->time;
	s->weight = ts > pe->time ? ts - pe->time : 0;
	s->comm = pe->comm ? pe->comm : "[unknown]";
	s->event = (unsigned int)p->info.offcpu_event;
	s->offcpu = true;
	s->state = pe->state;
	s->stack_id = pe->stack_id;
	free(p->out_locs);
	p->out_locs = NULL;
	if (pe->stack_id == KS_PROF_NO_STACK)
		p->out_locs = pe->locs;
	s->locs = pe->locs;
	s->nlocs = pe->nlocs;
	pe->locs = NULL;
	p->stats.offcpu++;
	return 1;
}

/*
 * An off-CPU sample: sched_switch's raw record says who left (and how) and who
 * comes in. Returns 1 if a thread coming in made a sample.
 */
static int on_offcpu(struct ks_prof *p, const struct tep_record *rec, int tid, int pid,
		     struct ks_prof_sample *s)
{
	struct tep_record raw = { 0 };
	size_t len;
	const void *data = dyn(rec, p->sample.f[F_RAW], &len);
	uint64_t state = 0;
	int next = -1, ret;

	if (data && p->ss_id >= 0) {
		raw.data = (void *)data;
		raw.size = (int)len;
		state = num(&raw, p->ss_prev_state);
		if (field_ok(&raw, p->ss_next_pid))
			next = (int)num(&raw, p->ss_next_pid);
	}
	/* 0: the idle task; -1: a task already reaped (its last switch). */
	if (tid > 0) {
		resolve(p, rec, pid);
		ret = switch_out(p, rec, tid, pid, state_letter(state));
		if (ret)
			return ret;
	}
	return next > 0 ? switch_in(p, next, rec->ts, s) : 0;
}

/* --- the main loop --- */

static int on_sample(struct ks_prof *p, const struct tep_record *rec, int tid,
		     struct ks_prof_sample *s)
{
	int pid = (int)num(rec, p->sample.f[F_PID]);
	int ev = (int)num(rec, p->sample.f[F_EVENT]);

	if (ev >= p->info.nevents) {
		p->stats.bad++;
		return 0;
	}
	if (ev == p->info.offcpu_event)
		return on_offcpu(p, rec, tid, pid, s);
	resolve(p, rec, pid);
	fill(p, s, rec, tid, pid);
	s->event = (unsigned int)ev;
	s->weight = num(rec, p->sample.f[F_PERIOD]);
	if (p->sample.f[F_RAW]) {
		size_t len;

		s->raw = dyn(rec, p->sample.f[F_RAW], &len);
		s->raw_size = (unsigned int)len;
	}
	p->stats.samples++;
	return 1;
}

/* At the end: threads still off CPU count up to the last timestamp. */
static int flush_pending(struct ks_prof *p, struct ks_prof_sample *s)
{
	while (p->flush_next < p->nthreads) {
		size_t i = p->flush_next++;
		uint32_t key;
		size_t klen;
		const void *k;

		if (!p->pending[i].used)
			continue;
		k = ks_intern_key(p->tids, (uint32_t)i, &klen);
		if (!k || klen != sizeof(int))
			continue;
		memcpy(&key, k, sizeof(key));
		if (switch_in(p, (int)key, p->last_ts, s)) {
			s->unfinished = true;
			return 1;
		}
	}
	return 0;
}

int ks_prof_next(struct ks_prof *p, struct ks_prof_sample *s)
{
	struct tep_record *rec;
	int ret, type, tid;

	for (;;) {
		if (p->at_end)
			return flush_pending(p, s);
		ret = 0;
		rec = ks_tdat_next(p->tdat, &ret);
		if (!rec) {
			if (ret < 0)
				return ret;
			p->at_end = true;
			continue;
		}
		if (rec->size < 8) {
			p->stats.bad++;
			continue;
		}
		if (rec->ts > p->last_ts)
			p->last_ts = rec->ts;
		type = tep_data_type(p->tep, rec);
		memcpy(&tid, (const char *)rec->data + 4, 4);
		if (type == p->sample.id)
			ret = on_sample(p, rec, tid, s);
		else if (type == p->mmap.id)
			ret = on_mmap(p, rec);
		else if (type == p->comm.id)
			ret = on_comm(p, rec, tid);
		else if (type == p->task.id)
			ret = on_task(p, rec, tid);
		else if (type == p->lost.id && num(rec, p->lost.f[L_KIND]) < 2)
			p->stats.lost += num(rec, p->lost.f[L_LOST]);
		else if (type == p->sw.id && !num(rec, p->sw.f[S_OUT]))
			ret = switch_in(p, tid, rec->ts, s);
		if (ret)
			return ret;
	}
}

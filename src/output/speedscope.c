// SPDX-License-Identifier: GPL-2.0-only
/*
 * speedscope writer. Frames and stacks are interned (frames by their name, file
 * and line; stacks by their frame ids), so each process keeps only a list of
 * (stack id, weight) runs. A cache keyed by the reader's pointers maps a location
 * to its frames without building names again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/intern.h"
#include "kscope/output/profout.h"
#include "kscope/output/speedscope.h"

#define FLUSH_AT	(1 << 16)

struct proc {
	int pid;
	bool comm_main;			/* comm is the main thread's */
	char *comm;
	uint32_t *stack;		/* per run: stack id */
	uint64_t *weight;		/* per run: summed weight */
	size_t n, cap;
	uint64_t total;
};

struct loc_ptr_key {
	uintptr_t map, lines;
	uint64_t addr;
	uint64_t nlines_kernel;		/* nlines << 1 | kernel */
};

struct loc_range {
	uint32_t first, n;
};

struct ks_speedscope {
	char *name;
	const char *unit;
	struct ks_intern *frames, *stacks, *pids, *loc_ptrs;
	uint32_t *frame_line;		/* per frame: its lowest line seen, 0 if none */
	size_t frame_line_cap;
	struct loc_range *locs;		/* per cached location: its frames in fseq */
	size_t locs_cap;
	uint32_t *fseq;			/* frame ids of cached locations, innermost first */
	size_t fseq_len, fseq_cap;
	struct proc *procs;		/* indexed by the pids table's ids */
	size_t procs_cap;
	uint32_t *stack;		/* scratch: one sample's frames, root first */
	size_t stack_cap;
	struct ks_buf key;		/* scratch */
};

int ks_speedscope_new(struct ks_speedscope **out, const char *name, struct ks_err *err)
{
	struct ks_speedscope *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		goto out_nomem;
	w->name = strdup(name ? name : "");
	w->frames = ks_intern_new();
	w->stacks = ks_intern_new();
	w->pids = ks_intern_new();
	w->loc_ptrs = ks_intern_new();
	if (!w->name || !w->frames || !w->stacks || !w->pids || !w->loc_ptrs)
		goto out_nomem;
	w->unit = "nanoseconds";
	*out = w;
	return 0;

out_nomem:
	ks_speedscope_free(w);
	return ks_err_set(err, -ENOMEM, "speedscope: out of memory");
}

void ks_speedscope_free(struct ks_speedscope *w)
{
	uint32_t i;

	if (!w)
		return;
	for (i = 0; w->pids && i < ks_intern_count(w->pids); i++) {
		free(w->procs[i].comm);
		free(w->procs[i].stack);
		free(w->procs[i].weight);
	}
	free(w->procs);
	ks_intern_free(w->frames);
	ks_intern_free(w->stacks);
	ks_intern_free(w->pids);
	ks_intern_free(w->loc_ptrs);
	free(w->frame_line);
	free(w->locs);
	free(w->fseq);
	free(w->stack);
	ks_buf_free(&w->key);
	free(w->name);
	free(w);
}

int ks_speedscope_set_unit(struct ks_speedscope *w, const char *unit, struct ks_err *err)
{
	static const char *const units[] = {
		"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes",
	};
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(units); i++) {
		if (!strcmp(unit, units[i])) {
			w->unit = units[i];
			return 0;
		}
	}
	return ks_err_set(err, -EINVAL, "speedscope: unknown unit '%s'", unit);
}

/*
 * A frame is a function: its name and file, like speedscope's own import of pprof
 * (a frame per line would split a function's box by the lines it was sampled at).
 * speedscope's line is where the function starts: the lowest line seen in it is
 * the best the samples can tell.
 */
static int frame_id(struct ks_speedscope *w, const struct ks_prof_loc *l, unsigned int i,
		    uint32_t *id)
{
	const struct ks_sym_line *ln = i < l->sym.nlines ? &l->sym.lines[i] : NULL;
	char buf[KS_PROFOUT_NAME_MAX];
	const char *name = ks_profout_name(l, i, buf), *file = NULL;
	uint32_t line = 0;
	int ret;

	if (ln && ln->file && ln->file[0]) {
		file = ln->file;
		line = ln->line;
	} else if (l->map && l->map->path) {
		file = l->map->path;
	}
	w->key.len = 0;
	if (ks_buf_add(&w->key, name, strlen(name)) ||
	    (l->kernel && ks_buf_add(&w->key, " [k]", 4)) ||
	    ks_buf_add(&w->key, "", 1) ||
	    (file && ks_buf_add(&w->key, file, strlen(file))))
		return -ENOMEM;
	ret = ks_profout_grow(&w->frame_line, &w->frame_line_cap,
			      (size_t)ks_intern_count(w->frames) + 1, sizeof(uint32_t));
	if (ret)
		return ret;
	ret = ks_intern_add(w->frames, w->key.data, w->key.len, id);
	if (ret < 0)
		return ret;
	if (line && (!w->frame_line[*id] || line < w->frame_line[*id]))
		w->frame_line[*id] = line;
	return 0;
}

/* The frames of @l, innermost first: *first indexes w->fseq, *n of them. */
static int loc_frames(struct ks_speedscope *w, const struct ks_prof_loc *l, uint32_t *first,
		      uint32_t *n)
{
	unsigned int i, count = l->sym.nlines ? l->sym.nlines : 1;
	struct loc_ptr_key pk;
	uint32_t cid;
	int ret;

	memset(&pk, 0, sizeof(pk));
	pk.map = (uintptr_t)l->map;
	pk.lines = (uintptr_t)l->sym.lines;
	pk.addr = l->addr;
	pk.nlines_kernel = (uint64_t)l->sym.nlines << 1 | l->kernel;
	if (!ks_intern_find(w->loc_ptrs, &pk, sizeof(pk), &cid)) {
		*first = w->locs[cid].first;
		*n = w->locs[cid].n;
		return 0;
	}
	if (w->fseq_len + count > UINT32_MAX)
		return -EOVERFLOW;
	ret = ks_profout_grow(&w->fseq, &w->fseq_cap, w->fseq_len + count, sizeof(uint32_t));
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		if ((ret = frame_id(w, l, i, &w->fseq[w->fseq_len + i])))
			return ret;
	}
	/* Room first, then the cache entry: a failure leaves no entry without data. */
	ret = ks_profout_grow(&w->locs, &w->locs_cap, (size_t)ks_intern_count(w->loc_ptrs) + 1,
			      sizeof(*w->locs));
	if (ret)
		return ret;
	ret = ks_intern_add(w->loc_ptrs, &pk, sizeof(pk), &cid);
	if (ret < 0)
		return ret;
	w->locs[cid].first = *first = w->fseq_len;
	w->locs[cid].n = *n = count;
	w->fseq_len += count;
	return 0;
}

static struct proc *get_proc(struct ks_speedscope *w, int pid, int *ret)
{
	uint32_t id;
	int added;

	*ret = ks_profout_grow(&w->procs, &w->procs_cap, (size_t)ks_intern_count(w->pids) + 1,
			       sizeof(*w->procs));
	if (*ret)
		return NULL;
	added = ks_intern_add(w->pids, &pid, sizeof(pid), &id);
	if (added < 0) {
		*ret = added;
		return NULL;
	}
	if (added)
		w->procs[id].pid = pid;
	return &w->procs[id];
}

/*
 * A process is named after its main thread; the latest name wins, as a process
 * that exec'd is known by what it became.
 */
static int set_comm(struct proc *pr, const struct ks_prof_sample *s)
{
	bool main_thread = s->tid == s->pid;
	const char *comm = s->comm ? s->comm : "";
	char *c;

	if (pr->comm && !main_thread)
		return 0;
	if (pr->comm && pr->comm_main && !strcmp(pr->comm, comm))
		return 0;
	c = strdup(comm);
	if (!c)
		return -ENOMEM;
	free(pr->comm);
	pr->comm = c;
	pr->comm_main = main_thread;
	return 0;
}

int ks_speedscope_add(struct ks_speedscope *w, const struct ks_prof_sample *s,
		      struct ks_err *err)
{
	uint32_t first, n, id, depth = 0, j;
	struct proc *pr;
	unsigned int i;
	int ret;

	if (!s->weight)
		return 0;	/* speedscope drops them: no empty profiles for them either */
	pr = get_proc(w, s->pid, &ret);
	if (!pr || (ret = set_comm(pr, s)))
		goto out_err;
	/* Leaf first in, root first out; each location's frames innermost first. */
	for (i = s->nlocs; i-- > 0;) {
		if ((ret = loc_frames(w, &s->locs[i], &first, &n)))
			goto out_err;
		ret = ks_profout_grow(&w->stack, &w->stack_cap, (size_t)depth + n,
				      sizeof(uint32_t));
		if (ret)
			goto out_err;
		for (j = n; j-- > 0;)
			w->stack[depth++] = w->fseq[first + j];
	}
	ret = ks_intern_add(w->stacks, depth ? (void *)w->stack : (void *)"",
			    depth * sizeof(uint32_t), &id);
	if (ret < 0)
		goto out_err;
	if (pr->total > UINT64_MAX - s->weight)
		return ks_err_set(err, -EOVERFLOW, "speedscope: total weight of pid %d too large",
				  s->pid);
	/* speedscope merges equal neighbours itself: doing it here saves the space. */
	if (pr->n && pr->stack[pr->n - 1] == id) {
		pr->weight[pr->n - 1] += s->weight;
	} else {
		if (pr->n == pr->cap) {
			size_t cap = pr->cap;

			ret = ks_profout_grow(&pr->stack, &cap, pr->n + 1, sizeof(*pr->stack));
			if (ret)
				goto out_err;
			cap = pr->cap;
			ret = ks_profout_grow(&pr->weight, &cap, pr->n + 1, sizeof(*pr->weight));
			if (ret)
				goto out_err;
			pr->cap = cap;
		}
		pr->stack[pr->n] = id;
		pr->weight[pr->n++] = s->weight;
	}
	pr->total += s->weight;
	return 0;

out_err:
	if (ret == -ENOMEM)
		return ks_err_set(err, ret, "speedscope: out of memory");
	return ks_err_set(err, ret, "speedscope: too many distinct frames or stacks");
}

/* JSON output, flushed to the file as it grows. */
struct out {
	struct ks_buf b;
	int fd;
	int err;
};

static void put(struct out *o, const void *data, size_t len)
{
	if (o->err)
		return;
	if (ks_buf_add(&o->b, data, len)) {
		o->err = -ENOMEM;
		return;
	}
	if (o->b.len >= FLUSH_AT) {
		o->err = ks_write_all(o->fd, o->b.data, o->b.len);
		o->b.len = 0;
	}
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u64(struct out *o, uint64_t v)
{
	char tmp[24], *end = tmp + sizeof(tmp);
	char *p = ks_udec_back(end, v);

	put(o, p, end - p);
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD, one each. */
static void put_str(struct out *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0, len;
	char esc[6];

	put(o, "\"", 1);
	while (i < n) {
		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
			i++;
			run++;
			continue;
		}
		len = s[i] >= 0x80 ? ks_profout_utf8_len(str + i, n - i) : 0;
		if (len) {
			i += len;
			run += len;
			continue;
		}
		put(o, s + i - run, run);
		run = 0;
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = s[i];
			put(o, esc, 2);
		} else if (s[i] == '\n') {
			put(o, "\\n", 2);
		} else if (s[i] == '\t') {
			put(o, "\\t", 2);
		} else if (s[i] < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 15];
			put(o, esc, 6);
		} else {
			put(o, "\xef\xbf\xbd", 3);
		}
		i++;
	}
	put(o, s + i - run, run);
	put(o, "\"", 1);
}

static void write_frames(struct ks_speedscope *w, struct out *o)
{
	uint32_t i, n = ks_intern_count(w->frames), line;
	const char *name, *file;

	puts_(o, "\"shared\":{\"frames\":[");
	for (i = 0; i < n; i++) {
		name = ks_intern_key(w->frames, i, NULL);
		file = name + strlen(name) + 1;
		line = w->frame_line[i];
		puts_(o, i ? ",\n{\"name\":" : "\n{\"name\":");
		put_str(o, name);
		if (*file) {
			puts_(o, ",\"file\":");
			put_str(o, file);
		}
		if (line) {
			puts_(o, ",\"line\":");
			put_u64(o, line);
		}
		puts_(o, "}");
	}
	puts_(o, "]},\n");
}

static void write_profile(struct ks_speedscope *w, struct out *o, const struct proc *pr)
{
	struct ks_buf name = { 0 };
	const char *st;
	uint32_t f;
	size_t i, j, len;

	if (ks_buf_addf(&name, "%s (%d)", pr->comm ? pr->comm : "", pr->pid)) {
		o->err = -ENOMEM;
		return;
	}
	puts_(o, "{\"type\":\"sampled\",\"name\":");
	put_str(o, name.data);
	ks_buf_free(&name);
	puts_(o, ",\"unit\":\"");
	puts_(o, w->unit);
	puts_(o, "\",\"startValue\":0,\"endValue\":");
	put_u64(o, pr->total);
	puts_(o, ",\n\"samples\":[");
	for (i = 0; i < pr->n; i++) {
		st = ks_intern_key(w->stacks, pr->stack[i], &len);
		puts_(o, i ? ",\n[" : "\n[");
		for (j = 0; j < len / sizeof(f); j++) {
			if (j)
				put(o, ",", 1);
			/* Keys lie at any offset in the arena. */
			memcpy(&f, st + j * sizeof(f), sizeof(f));
			put_u64(o, f);
		}
		put(o, "]", 1);
	}
	puts_(o, "],\n\"weights\":[");
	for (i = 0; i < pr->n; i++) {
		if (i)
			put(o, ",", 1);
		put_u64(o, pr->weight[i]);
	}
	puts_(o, "]}");
}

static int cmp_pid(const void *a, const void *b)
{
	const struct proc *x = *(const struct proc *const *)a, *y = *(const struct proc *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int ks_speedscope_write(struct ks_speedscope *w, int fd, struct ks_err *err)
{
	uint32_t i, n = ks_intern_count(w->pids), heaviest = 0;
	struct out o = { .fd = fd };
	struct proc **order;

	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return ks_err_set(err, -ENOMEM, "speedscope: out of memory");
	for (i = 0; i < n; i++)
		order[i] = &w->procs[i];
	qsort(order, n, sizeof(*order), cmp_pid);
	for (i = 1; i < n; i++)
		if (order[i]->total > order[heaviest]->total)
			heaviest = i;

	puts_(&o, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n");
	puts_(&o, "\"exporter\":\"kscope\",\"name\":");
	put_str(&o, w->name);
	if (n) {
		puts_(&o, ",\"activeProfileIndex\":");
		put_u64(&o, heaviest);
	}
	puts_(&o, ",\n");
	write_frames(w, &o);
	puts_(&o, "\"profiles\":[");
	for (i = 0; i < n; i++) {
		puts_(&o, i ? ",\n" : "\n");
		write_profile(w, &o, order[i]);
	}
	puts_(&o, "]}\n");
	if (!o.err && o.b.len)
		o.err = ks_write_all(fd, o.b.data, o.b.len);
	free(order);
	ks_buf_free(&o.b);
	if (o.err == -ENOMEM)
		return ks_err_set(err, o.err, "speedscope: out of memory");
	if (o.err)
		return ks_err_set(err, o.err, "speedscope: write: %s", strerror(-o.err));
	return 0;
}

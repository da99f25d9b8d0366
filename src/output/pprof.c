// SPDX-License-Identifier: GPL-2.0-only
/*
 * pprof writer: profile.proto encoded by hand (varints, length-delimited fields,
 * packed repeated numbers) and gzipped with zlib.
 *
 * Everything is deduplicated through interning tables whose dense ids become the
 * proto's ids (id + 1, as 0 means "none" there): strings, mappings, functions,
 * locations and samples are keyed by their encoded content, so equal content is
 * one entry whatever the pointers. In front of mappings and locations sit caches
 * keyed by the pointers the profile reader hands out (equal things have equal
 * pointers), which skip the name lookups for every frame seen before.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kscope/base/intern.h"
#include "kscope/output/pprof.h"
#include "kscope/output/profout.h"

/* Field numbers of profile.proto. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION,
	PROFILE_FUNCTION, PROFILE_STRING_TABLE,
	PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS, PROFILE_PERIOD_TYPE, PROFILE_PERIOD,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE, SAMPLE_LABEL,
	LABEL_KEY = 1, LABEL_STR, LABEL_NUM,
	MAPPING_ID = 1, MAPPING_MEMORY_START, MAPPING_MEMORY_LIMIT, MAPPING_FILE_OFFSET,
	MAPPING_FILENAME, MAPPING_BUILD_ID, MAPPING_HAS_FUNCTIONS, MAPPING_HAS_FILENAMES,
	MAPPING_HAS_LINE_NUMBERS, MAPPING_HAS_INLINE_FRAMES,
	LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE,
	LINE_FUNCTION_ID = 1, LINE_LINE,
	FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME, FUNCTION_FILENAME,
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

/* What a mapping's locations were resolved to (Mapping.has_*). */
enum {
	MAP_FUNCTIONS	= 1 << 0,
	MAP_FILENAMES	= 1 << 1,
	MAP_LINES	= 1 << 2,
	MAP_INLINE	= 1 << 3,
};

/* Interning keys; zeroed before filling so that padding compares equal. */
struct map_key {
	uint64_t start, end, pgoff;
	uint32_t path, build_id;
};

struct loc_key {			/* followed by nlines struct line_key */
	uint64_t addr;
	uint32_t mapping;		/* mapping id, 0: none */
	uint32_t nlines;
};

struct line_key {
	uint32_t func;			/* function id */
	uint32_t line;
};

struct func_key {
	uint32_t name, file;
};

struct sample_key {			/* followed by nlocs uint32_t location ids */
	int32_t pid, tid;
	uint32_t comm, nlocs;
};

struct loc_ptr_key {
	uintptr_t map, lines;
	uint64_t addr;
	uint64_t nlines;
};

struct ks_pprof {
	struct ks_intern *strs, *maps, *funcs, *locs, *samples;
	struct ks_intern *map_ptrs, *loc_ptrs;	/* pointer caches */
	uint32_t *map_ptr_id, *loc_ptr_id;	/* per cache entry: map / location id */
	size_t map_ptr_cap, loc_ptr_cap;
	uint8_t *map_flags;			/* per mapping */
	size_t map_flags_cap;
	uint64_t *vals;				/* per sample: count, weight */
	size_t vals_cap;
	uint32_t *loc_ids;			/* scratch: a sample's locations */
	size_t loc_ids_cap;
	struct ks_buf lkey, skey, fix;		/* scratch */

	uint32_t type, unit;
	uint32_t s_samples, s_count, s_pid, s_tid, s_comm;
	uint64_t period, time_nanos;
	uint64_t tmin, tmax;
	bool have_time;
};

/* Protobuf strings are UTF-8: other bytes (a comm can hold anything) become U+FFFD. */
static int intern_str(struct ks_pprof *p, const char *s, uint32_t *id)
{
	int ret;

	if (!s)
		s = "";
	if (ks_profout_utf8_valid(s)) {
		ret = ks_intern_str(p->strs, s, id);
	} else {
		p->fix.len = 0;
		if (ks_profout_utf8_fix(&p->fix, s))
			return -ENOMEM;
		ret = ks_intern_add(p->strs, p->fix.data, p->fix.len, id);
	}
	return ret < 0 ? ret : 0;
}

int ks_pprof_new(struct ks_pprof **out, const char *type, const char *unit, uint64_t period,
		 struct ks_err *err)
{
	struct ks_pprof *p = calloc(1, sizeof(*p));
	uint32_t empty;

	*out = NULL;
	if (!p)
		goto out_nomem;
	p->strs = ks_intern_new();
	p->maps = ks_intern_new();
	p->funcs = ks_intern_new();
	p->locs = ks_intern_new();
	p->samples = ks_intern_new();
	p->map_ptrs = ks_intern_new();
	p->loc_ptrs = ks_intern_new();
	if (!p->strs || !p->maps || !p->funcs || !p->locs || !p->samples || !p->map_ptrs ||
	    !p->loc_ptrs)
		goto out_nomem;
	/* string_table[0] must be "". */
	if (intern_str(p, "", &empty) || intern_str(p, type, &p->type) ||
	    intern_str(p, unit, &p->unit) || intern_str(p, "samples", &p->s_samples) ||
	    intern_str(p, "count", &p->s_count) || intern_str(p, "pid", &p->s_pid) ||
	    intern_str(p, "tid", &p->s_tid) || intern_str(p, "comm", &p->s_comm))
		goto out_nomem;
	p->period = period;
	*out = p;
	return 0;

out_nomem:
	ks_pprof_free(p);
	return ks_err_set(err, -ENOMEM, "pprof: out of memory");
}

void ks_pprof_free(struct ks_pprof *p)
{
	if (!p)
		return;
	ks_intern_free(p->strs);
	ks_intern_free(p->maps);
	ks_intern_free(p->funcs);
	ks_intern_free(p->locs);
	ks_intern_free(p->samples);
	ks_intern_free(p->map_ptrs);
	ks_intern_free(p->loc_ptrs);
	free(p->map_ptr_id);
	free(p->loc_ptr_id);
	free(p->map_flags);
	free(p->vals);
	free(p->loc_ids);
	ks_buf_free(&p->lkey);
	ks_buf_free(&p->skey);
	ks_buf_free(&p->fix);
	free(p);
}

void ks_pprof_set_time(struct ks_pprof *p, uint64_t epoch_ns)
{
	p->time_nanos = epoch_ns;
}

/* The mapping id (1, 2, ...) of @m. */
static int mapping_id(struct ks_pprof *p, const struct ks_prof_map *m, uint32_t *out)
{
	uintptr_t ptr = (uintptr_t)m;
	struct map_key k;
	uint32_t cid, id;
	int ret;

	if (!ks_intern_find(p->map_ptrs, &ptr, sizeof(ptr), &cid)) {
		*out = p->map_ptr_id[cid] + 1;
		return 0;
	}
	memset(&k, 0, sizeof(k));
	k.start = m->start;
	k.end = m->end;
	k.pgoff = m->pgoff;
	if ((ret = intern_str(p, m->path, &k.path)) ||
	    (ret = intern_str(p, m->build_id, &k.build_id)))
		return ret;
	/* Room for the per-entry data first: a failure leaves no entry without it. */
	if ((ret = ks_profout_grow(&p->map_flags, &p->map_flags_cap,
				   (size_t)ks_intern_count(p->maps) + 1, 1)) ||
	    (ret = ks_profout_grow(&p->map_ptr_id, &p->map_ptr_cap,
				   (size_t)ks_intern_count(p->map_ptrs) + 1, sizeof(uint32_t))))
		return ret;
	ret = ks_intern_add(p->maps, &k, sizeof(k), &id);
	if (ret < 0)
		return ret;
	ret = ks_intern_add(p->map_ptrs, &ptr, sizeof(ptr), &cid);
	if (ret < 0)
		return ret;
	p->map_ptr_id[cid] = id;
	*out = id + 1;
	return 0;
}

static int function_id(struct ks_pprof *p, const char *name, const char *file, uint32_t *out)
{
	struct func_key k;
	int ret;

	if ((ret = intern_str(p, name, &k.name)) || (ret = intern_str(p, file, &k.file)))
		return ret;
	ret = ks_intern_add(p->funcs, &k, sizeof(k), out);
	if (ret < 0)
		return ret;
	(*out)++;
	return 0;
}

/* The location id (1, 2, ...) of @l. */
static int location_id(struct ks_pprof *p, const struct ks_prof_loc *l, uint32_t *out)
{
	const struct ks_sym_line *ln;
	struct loc_ptr_key pk;
	struct line_key lk;
	struct loc_key k;
	char name[KS_PROFOUT_NAME_MAX];
	uint32_t cid, id;
	unsigned int i;
	uint8_t flags = 0;
	int ret;

	memset(&pk, 0, sizeof(pk));
	pk.map = (uintptr_t)l->map;
	pk.lines = (uintptr_t)l->sym.lines;
	pk.addr = l->addr;
	pk.nlines = l->sym.nlines;
	if (!ks_intern_find(p->loc_ptrs, &pk, sizeof(pk), &cid)) {
		*out = p->loc_ptr_id[cid] + 1;
		return 0;
	}

	memset(&k, 0, sizeof(k));
	k.addr = l->addr;
	k.nlines = l->sym.nlines;
	if (l->map && (ret = mapping_id(p, l->map, &k.mapping)))
		return ret;
	p->lkey.len = 0;
	if (ks_buf_add(&p->lkey, &k, sizeof(k)))
		return -ENOMEM;
	for (i = 0; i < l->sym.nlines; i++) {
		ln = &l->sym.lines[i];
		ret = function_id(p, ks_profout_name(l, i, name), ln->file, &lk.func);
		if (ret)
			return ret;
		lk.line = ln->line;
		if (ks_buf_add(&p->lkey, &lk, sizeof(lk)))
			return -ENOMEM;
		if (ln->func)
			flags |= MAP_FUNCTIONS;
		if (ln->file)
			flags |= MAP_FILENAMES;
		if (ln->line)
			flags |= MAP_LINES;
	}
	if (l->sym.nlines > 1)
		flags |= MAP_INLINE;
	if ((ret = ks_profout_grow(&p->loc_ptr_id, &p->loc_ptr_cap,
				   (size_t)ks_intern_count(p->loc_ptrs) + 1, sizeof(uint32_t))))
		return ret;
	ret = ks_intern_add(p->locs, p->lkey.data, p->lkey.len, &id);
	if (ret < 0)
		return ret;
	if (k.mapping)
		p->map_flags[k.mapping - 1] |= flags;
	ret = ks_intern_add(p->loc_ptrs, &pk, sizeof(pk), &cid);
	if (ret < 0)
		return ret;
	p->loc_ptr_id[cid] = id;
	*out = id + 1;
	return 0;
}

int ks_pprof_add(struct ks_pprof *p, const struct ks_prof_sample *s, struct ks_err *err)
{
	struct sample_key k;
	uint32_t id;
	unsigned int i;
	uint64_t *v;
	int ret;

	if (s->weight > INT64_MAX)
		return ks_err_set(err, -EOVERFLOW, "pprof: sample weight %llu too large",
				  (unsigned long long)s->weight);
	ret = ks_profout_grow(&p->loc_ids, &p->loc_ids_cap, s->nlocs, sizeof(uint32_t));
	if (ret)
		goto out_err;
	for (i = 0; i < s->nlocs; i++) {
		if ((ret = location_id(p, &s->locs[i], &p->loc_ids[i])))
			goto out_err;
	}
	memset(&k, 0, sizeof(k));
	k.pid = s->pid;
	k.tid = s->tid;
	k.nlocs = s->nlocs;
	if ((ret = intern_str(p, s->comm, &k.comm)))
		goto out_err;
	p->skey.len = 0;
	if (ks_buf_add(&p->skey, &k, sizeof(k)) ||
	    (s->nlocs && ks_buf_add(&p->skey, p->loc_ids, s->nlocs * sizeof(uint32_t)))) {
		ret = -ENOMEM;
		goto out_err;
	}
	ret = ks_profout_grow(&p->vals, &p->vals_cap,
			      2 * ((size_t)ks_intern_count(p->samples) + 1), sizeof(uint64_t));
	if (ret)
		goto out_err;
	ret = ks_intern_add(p->samples, p->skey.data, p->skey.len, &id);
	if (ret < 0)
		goto out_err;
	v = &p->vals[2 * id];
	if (v[1] > INT64_MAX - s->weight)
		return ks_err_set(err, -EOVERFLOW, "pprof: merged sample weight too large");
	v[0]++;
	v[1] += s->weight;

	if (!p->have_time || s->time < p->tmin)
		p->tmin = s->time;
	if (!p->have_time || s->time > p->tmax)
		p->tmax = s->time;
	p->have_time = true;
	return 0;

out_err:
	if (ret == -ENOMEM)
		return ks_err_set(err, ret, "pprof: out of memory");
	return ks_err_set(err, ret, "pprof: too many distinct samples, locations or names");
}

/* Protocol buffer encoding. */

static int pb_varint(struct ks_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return ks_buf_add(b, tmp, n);
}

static int pb_key(struct ks_buf *b, unsigned int field, unsigned int wire)
{
	return pb_varint(b, (uint64_t)field << 3 | wire);
}

/* A number (uint64, int64 as two's complement, bool); proto3 leaves zeros out. */
static int pb_num(struct ks_buf *b, unsigned int field, uint64_t v)
{
	if (!v)
		return 0;
	return pb_key(b, field, WIRE_VARINT) || pb_varint(b, v);
}

/* A string, bytes, embedded message or packed array: always written. */
static int pb_bytes(struct ks_buf *b, unsigned int field, const void *data, size_t len)
{
	if (pb_key(b, field, WIRE_LEN) || pb_varint(b, len))
		return -ENOMEM;
	return len ? ks_buf_add(b, data, len) : 0;
}

static int pb_msg(struct ks_buf *b, unsigned int field, const struct ks_buf *msg)
{
	return pb_bytes(b, field, msg->data, msg->len);
}

static int enc_value_type(struct ks_buf *b, unsigned int field, struct ks_buf *m,
			  uint32_t type, uint32_t unit)
{
	m->len = 0;
	return pb_num(m, VALUE_TYPE_TYPE, type) || pb_num(m, VALUE_TYPE_UNIT, unit) ||
	       pb_msg(b, field, m);
}

static int enc_mappings(struct ks_pprof *p, struct ks_buf *b, struct ks_buf *m)
{
	struct map_key k;
	uint32_t i, n = ks_intern_count(p->maps);
	uint8_t f;

	for (i = 0; i < n; i++) {
		memcpy(&k, ks_intern_key(p->maps, i, NULL), sizeof(k));
		f = p->map_flags[i];
		m->len = 0;
		if (pb_num(m, MAPPING_ID, i + 1) ||
		    pb_num(m, MAPPING_MEMORY_START, k.start) ||
		    pb_num(m, MAPPING_MEMORY_LIMIT, k.end) ||
		    pb_num(m, MAPPING_FILE_OFFSET, k.pgoff) ||
		    pb_num(m, MAPPING_FILENAME, k.path) ||
		    pb_num(m, MAPPING_BUILD_ID, k.build_id) ||
		    pb_num(m, MAPPING_HAS_FUNCTIONS, !!(f & MAP_FUNCTIONS)) ||
		    pb_num(m, MAPPING_HAS_FILENAMES, !!(f & MAP_FILENAMES)) ||
		    pb_num(m, MAPPING_HAS_LINE_NUMBERS, !!(f & MAP_LINES)) ||
		    pb_num(m, MAPPING_HAS_INLINE_FRAMES, !!(f & MAP_INLINE)) ||
		    pb_msg(b, PROFILE_MAPPING, m))
			return -ENOMEM;
	}
	return 0;
}

static int enc_locations(struct ks_pprof *p, struct ks_buf *b, struct ks_buf *m,
			 struct ks_buf *ln)
{
	uint32_t i, j, n = ks_intern_count(p->locs);
	const char *key;
	struct loc_key k;
	struct line_key lk;

	for (i = 0; i < n; i++) {
		key = ks_intern_key(p->locs, i, NULL);
		memcpy(&k, key, sizeof(k));
		m->len = 0;
		if (pb_num(m, LOCATION_ID, i + 1) ||
		    pb_num(m, LOCATION_MAPPING_ID, k.mapping) ||
		    pb_num(m, LOCATION_ADDRESS, k.addr))
			return -ENOMEM;
		for (j = 0; j < k.nlines; j++) {
			memcpy(&lk, key + sizeof(k) + j * sizeof(lk), sizeof(lk));
			ln->len = 0;
			if (pb_num(ln, LINE_FUNCTION_ID, lk.func) ||
			    pb_num(ln, LINE_LINE, lk.line) ||
			    pb_msg(m, LOCATION_LINE, ln))
				return -ENOMEM;
		}
		if (pb_msg(b, PROFILE_LOCATION, m))
			return -ENOMEM;
	}
	return 0;
}

static int enc_functions(struct ks_pprof *p, struct ks_buf *b, struct ks_buf *m)
{
	uint32_t i, n = ks_intern_count(p->funcs);
	struct func_key k;

	for (i = 0; i < n; i++) {
		memcpy(&k, ks_intern_key(p->funcs, i, NULL), sizeof(k));
		m->len = 0;
		if (pb_num(m, FUNCTION_ID, i + 1) || pb_num(m, FUNCTION_NAME, k.name) ||
		    pb_num(m, FUNCTION_SYSTEM_NAME, k.name) ||
		    pb_num(m, FUNCTION_FILENAME, k.file) ||
		    pb_msg(b, PROFILE_FUNCTION, m))
			return -ENOMEM;
	}
	return 0;
}

static int enc_label(struct ks_buf *m, struct ks_buf *lb, uint32_t key, unsigned int field,
		     uint64_t v)
{
	lb->len = 0;
	return pb_num(lb, LABEL_KEY, key) || pb_num(lb, field, v) ||
	       pb_msg(m, SAMPLE_LABEL, lb);
}

static int enc_samples(struct ks_pprof *p, struct ks_buf *b, struct ks_buf *m,
		       struct ks_buf *sub)
{
	uint32_t i, j, n = ks_intern_count(p->samples), loc;
	struct sample_key k;
	const char *key;

	for (i = 0; i < n; i++) {
		key = ks_intern_key(p->samples, i, NULL);
		memcpy(&k, key, sizeof(k));
		m->len = 0;
		sub->len = 0;
		for (j = 0; j < k.nlocs; j++) {
			memcpy(&loc, key + sizeof(k) + j * sizeof(loc), sizeof(loc));
			if (pb_varint(sub, loc))
				return -ENOMEM;
		}
		if (k.nlocs && pb_msg(m, SAMPLE_LOCATION_ID, sub))
			return -ENOMEM;
		sub->len = 0;
		if (pb_varint(sub, p->vals[2 * i]) || pb_varint(sub, p->vals[2 * i + 1]) ||
		    pb_msg(m, SAMPLE_VALUE, sub))
			return -ENOMEM;
		/*
		 * Negative numbers as int64: ten bytes of two's complement. An empty comm
		 * is left out: string index 0 would read as a number label.
		 */
		if (enc_label(m, sub, p->s_pid, LABEL_NUM, (uint64_t)(int64_t)k.pid) ||
		    enc_label(m, sub, p->s_tid, LABEL_NUM, (uint64_t)(int64_t)k.tid) ||
		    (k.comm && enc_label(m, sub, p->s_comm, LABEL_STR, k.comm)) ||
		    pb_msg(b, PROFILE_SAMPLE, m))
			return -ENOMEM;
	}
	return 0;
}

static int encode(struct ks_pprof *p, struct ks_buf *b)
{
	struct ks_buf m = { 0 }, sub = { 0 };
	uint32_t i, n = ks_intern_count(p->strs);
	const char *s;
	size_t len;
	int ret = -ENOMEM;

	if (enc_value_type(b, PROFILE_SAMPLE_TYPE, &m, p->s_samples, p->s_count) ||
	    enc_value_type(b, PROFILE_SAMPLE_TYPE, &m, p->type, p->unit) ||
	    enc_samples(p, b, &m, &sub) || enc_mappings(p, b, &m) ||
	    enc_locations(p, b, &m, &sub) || enc_functions(p, b, &m))
		goto out;
	for (i = 0; i < n; i++) {
		s = ks_intern_key(p->strs, i, &len);
		if (pb_bytes(b, PROFILE_STRING_TABLE, s, len))
			goto out;
	}
	if (pb_num(b, PROFILE_TIME_NANOS, p->time_nanos) ||
	    pb_num(b, PROFILE_DURATION_NANOS, p->have_time ? p->tmax - p->tmin : 0) ||
	    enc_value_type(b, PROFILE_PERIOD_TYPE, &m, p->type, p->unit) ||
	    pb_num(b, PROFILE_PERIOD, p->period) ||
	    pb_num(b, PROFILE_DEFAULT_SAMPLE_TYPE, p->type))
		goto out;
	ret = 0;
out:
	ks_buf_free(&m);
	ks_buf_free(&sub);
	return ret;
}

/* gzip @len bytes at @data to @fd. */
static int gzip_write(int fd, const void *data, size_t len, struct ks_err *err)
{
	const size_t chunk = 1 << 16;
	const unsigned char *in = data;
	unsigned char *out;
	z_stream zs;
	size_t n;
	int flush, zret, ret = 0;

	out = malloc(chunk);
	if (!out)
		return ks_err_set(err, -ENOMEM, "pprof: out of memory");
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer around the deflate stream. */
	zret = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			    Z_DEFAULT_STRATEGY);
	if (zret != Z_OK) {
		free(out);
		return ks_err_set(err, zret == Z_MEM_ERROR ? -ENOMEM : -EINVAL,
				  "pprof: zlib: %s", zs.msg ? zs.msg : zError(zret));
	}
	do {
		/* avail_in is 32 bits wide: feed a huge profile in slices. */
		n = len < (1u << 30) ? len : (1u << 30);
		zs.next_in = (unsigned char *)in;
		zs.avail_in = (uInt)n;
		in += n;
		len -= n;
		flush = len ? Z_NO_FLUSH : Z_FINISH;
		do {
			zs.next_out = out;
			zs.avail_out = (uInt)chunk;
			zret = deflate(&zs, flush);
			if (zret == Z_STREAM_ERROR) {
				ret = ks_err_set(err, -EINVAL, "pprof: zlib: deflate failed");
				goto out;
			}
			ret = ks_write_all(fd, out, chunk - zs.avail_out);
			if (ret) {
				ks_err_set(err, ret, "pprof: write: %s", strerror(-ret));
				goto out;
			}
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
out:
	deflateEnd(&zs);
	free(out);
	return ret;
}

int ks_pprof_write(struct ks_pprof *p, int fd, struct ks_err *err)
{
	struct ks_buf b = { 0 };
	int ret;

	ret = encode(p, &b);
	if (ret)
		ret = ks_err_set(err, ret, "pprof: out of memory");
	else
		ret = gzip_write(fd, b.data ? b.data : "", b.len, err);
	ks_buf_free(&b);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.dat reader: version 6 parsed here (mmap, kbuffer, per-CPU merge by
 * timestamp); other versions (trace-cmd's default v7 with compressed sections)
 * through libtracecmd's public reader, behind the same iterator.
 *
 * Every length and offset in the file is checked before use: report runs on
 * files from anywhere, and the fuzzer feeds it garbage.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#ifdef KS_HAVE_TRACECMD
#include <trace-cmd.h>
#endif

#include "kscope/tracedat/tdatfmt.h"
#include "kscope/tracedat/tracedat.h"

/*
 * libtraceevent reads past a record: static fields up to 64 KiB in (tdatfmt.c
 * caps them there), __rel_loc data up to 64 KiB past the field, and
 * __print_hex()/__print_array() lengths up to 64 KiB from either. Zeroed slack
 * after each page keeps those reads, and the strings they meet, inside our buffer.
 */
#define PAGE_SLACK KS_TDAT_PAGE_SLACK

/* Pages are read this many at a time from a file (not mapped: RSS stays small). */
#define CHUNK_PAGES 32

struct tdat_cpu {
	const uint8_t *data;	/* into the mapping (from memory), else NULL */
	uint64_t offset;	/* file offset of data */
	uint64_t size;
	uint64_t page;		/* index of the next page to load */
	/*
	 * Two page buffers, used in turn: the record handed out last stays valid
	 * while the next one is looked at (function_graph leaf detection).
	 */
	uint8_t *bufs[2];
	int cur;
	uint8_t *chunk;		/* CHUNK_PAGES pages read from the file */
	uint64_t chunk_first;	/* page index of chunk[0] */
	uint64_t chunk_pages;
	struct kbuffer *kbuf;
	void *event;		/* current event, NULL when done */
	unsigned long long ts;
	int missed;		/* missed-events mark of the loaded page, not yet reported */
	bool done;
#ifdef KS_HAVE_TRACECMD
	struct tep_record *rec;	/* libtracecmd backend: pending record */
#endif
};

struct ks_tdat {
	const uint8_t *map;
	size_t map_size;
	unsigned int flags;	/* KS_TDAT_* */
	bool owns_map;
	int fd;			/* data is read from here when the file is not kept mapped */
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	struct ks_tdat_info info;
	char clock[32];
	char *uname;
	char *writer;
	struct ks_buf cpustats;
	char *kallsyms;		/* kept for symbolizing profiles */
	size_t kallsyms_len;
	uint64_t kallsyms_off;	/* where it is in the file (a mapped file only) */
	bool kallsyms_in_file;	/* not copied: only its place is known */
	struct ks_buf kopts;	/* kscope's own options: u16 id, u32 size, data */
	struct tdat_cpu *cpus;
	int *heap;		/* CPUs with a pending event, min-heap by ts */
	int heap_n;
	uint64_t consumed;
	struct tep_record recs[2];	/* handed out in turn, like the page buffers */
	int rec_cur;
	struct tep_record *peeked;	/* ks_tdat_peek() looked ahead: next returns this */
	int peek_err;
	int last_cpu;		/* the CPU whose event was returned last; advance it first */
	int corrupt;
	int32_t *min_size;	/* per event id: record_size()'s floor; -1 not known yet */
#ifdef KS_HAVE_TRACECMD
	struct tracecmd_input *tc;
	struct tep_record *tc_last[2];	/* the last two handed out; the older is freed */
#endif
};

/* --- bounded reading of the header --- */

struct cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool swap;
	bool bad;
};

static const uint8_t *take(struct cursor *c, uint64_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || n > (uint64_t)(c->end - c->p)) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

static uint64_t take_num(struct cursor *c, int size)
{
	const uint8_t *p = take(c, size);
	uint64_t v = 0;
	int i;

	if (!p)
		return 0;
	if (c->swap)
		for (i = 0; i < size; i++)
			v = (v << 8) | p[i];
	else
		for (i = size - 1; i >= 0; i--)
			v = (v << 8) | p[i];
	return v;
}

/* A NUL-terminated copy of @n bytes (tep parsers want strings). */
static char *take_str(struct cursor *c, uint64_t n)
{
	const uint8_t *p = take(c, n);
	char *s;

	if (!p)
		return NULL;
	s = malloc(n + 1);
	if (!s) {
		c->bad = true;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static const char *take_cstr(struct cursor *c)
{
	const uint8_t *nul = memchr(c->p, '\0', c->end - c->p);
	const char *s = (const char *)c->p;

	if (c->bad || !nul) {
		c->bad = true;
		return NULL;
	}
	c->p = nul + 1;
	return s;
}

static int bad(struct ks_err *err, const char *what)
{
	return ks_err_set(err, -EBADMSG, "not a valid trace.dat: %s", what);
}

static int parse_formats(struct ks_tdat *t, struct cursor *c, const char *system, int count,
			 struct ks_err *err)
{
	int i;

	for (i = 0; i < count; i++) {
		uint64_t len = take_num(c, 8);
		const uint8_t *text = take(c, len);
		size_t usable_len;
		char *usable;

		if (!text)
			return bad(err, "event format cut short");
		/* An event this libtraceevent cannot parse prints as raw data: not fatal. */
		usable = ks_tdat_fmt_usable((const char *)text, len, &usable_len);
		if (usable)
			tep_parse_event(t->tep, usable, usable_len, system);
		free(usable);
	}
	return 0;
}

static int parse_options(struct ks_tdat *t, struct cursor *c, struct ks_err *err)
{
	for (;;) {
		uint16_t id = (uint16_t)take_num(c, 2);
		uint32_t size;
		char *data;

		if (c->bad)
			return bad(err, "options cut short");
		if (id == KS_TDAT_OPT_DONE)
			return 0;
		size = (uint32_t)take_num(c, 4);
		data = take_str(c, size);
		if (!data)
			return bad(err, "option cut short");
		switch (id) {
		case KS_TDAT_OPT_TRACECLOCK: {
			char *l = strchr(data, '['), *r = l ? strchr(l, ']') : NULL;

			if (l && r)
				snprintf(t->clock, sizeof(t->clock), "%.*s", (int)(r - l - 1), l + 1);
			break;
		}
		case KS_TDAT_OPT_UNAME:
			free(t->uname);
			t->uname = strdup(data);
			break;
		case KS_TDAT_OPT_VERSION:
			free(t->writer);
			t->writer = strdup(data);
			break;
		case KS_TDAT_OPT_CPUSTAT:
			ks_buf_add(&t->cpustats, data, strnlen(data, size));
			break;
		case KS_TDAT_OPT_BUFFER:
			/* Extra instances (trace-cmd -B): only the main buffer is read. */
			break;
		default:
			if (id >= KS_TDAT_OPT_KSCOPE_CMDLINE && (ks_buf_add_u16(&t->kopts, id) ||
			    ks_buf_add_u32(&t->kopts, size) || ks_buf_add(&t->kopts, data, size))) {
				free(data);
				return bad(err, "out of memory");
			}
			break;
		}
		free(data);
	}
}

static int cmp_cpu_offset(const void *a, const void *b)
{
	const struct tdat_cpu *x = *(const struct tdat_cpu *const *)a;
	const struct tdat_cpu *y = *(const struct tdat_cpu *const *)b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/*
 * Each CPU's data is its own part of the file. Blocks that overlap would let a
 * small file claim thousands of CPUs with a page buffer each.
 */
static bool cpus_overlap(struct ks_tdat *t)
{
	struct tdat_cpu **v = calloc(t->info.ncpus, sizeof(*v));
	bool ret = false;
	int i, n = 0;

	if (!v)
		return true;
	for (i = 0; i < t->info.ncpus; i++)
		if (t->cpus[i].size)
			v[n++] = &t->cpus[i];
	qsort(v, n, sizeof(*v), cmp_cpu_offset);
	for (i = 1; i < n; i++)
		if (v[i - 1]->offset + v[i - 1]->size > v[i]->offset)
			ret = true;
	free(v);
	return ret;
}

static int parse_v6(struct ks_tdat *t, struct ks_err *err)
{
	struct cursor c = { .p = t->map, .end = t->map + t->map_size };
	const uint8_t *magic;
	const char *ver, *sys;
	char *text, *clean;
	uint64_t len;
	uint8_t endian, lsize;
	int i, count, nsys;

	magic = take(&c, 10);
	if (!magic || memcmp(magic, "\x17\x08\x44tracing", 10))
		return bad(err, "no trace.dat magic");
	ver = take_cstr(&c);
	if (!ver)
		return bad(err, "no version");
	t->info.version = atoi(ver);
	if (t->info.version != 6)
		return -EPROTONOSUPPORT;
	endian = c.p < c.end ? *take(&c, 1) : 0;
	lsize = c.p < c.end ? *take(&c, 1) : 0;
	if (c.bad || endian > 1 || (lsize != 4 && lsize != 8))
		return bad(err, "bad endianness or long size");
	t->info.big_endian = endian;
	t->info.long_size = lsize;
	c.swap = endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	t->info.page_size = (int)take_num(&c, 4);
	if (t->info.page_size < 64 || t->info.page_size > (1 << 24))
		return bad(err, "bad page size");
	tep_set_long_size(t->tep, lsize);
	tep_set_page_size(t->tep, t->info.page_size);
	tep_set_file_bigendian(t->tep, endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(t->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);

	if (!take(&c, 12) || memcmp(c.p - 12, "header_page", 12))
		return bad(err, "no header_page");
	len = take_num(&c, 8);
	text = take_str(&c, len);
	if (!text)
		return bad(err, "header_page cut short");
	tep_parse_header_page(t->tep, text, len, lsize);
	free(text);
	if (!take(&c, 13) || memcmp(c.p - 13, "header_event", 13))
		return bad(err, "no header_event");
	len = take_num(&c, 8);
	if (!take(&c, len))
		return bad(err, "header_event cut short");

	count = (int)take_num(&c, 4);
	if (c.bad || count < 0 || parse_formats(t, &c, "ftrace", count, err))
		return bad(err, "ftrace formats");
	nsys = (int)take_num(&c, 4);
	for (i = 0; !c.bad && i < nsys; i++) {
		sys = take_cstr(&c);
		count = (int)take_num(&c, 4);
		if (!sys || count < 0 || parse_formats(t, &c, sys, count, err))
			return bad(err, "event formats");
	}
	len = take_num(&c, 4);
	/*
	 * libtraceevent's function map costs a sscanf per line: only event printing
	 * needs it. A profile reader maps the text from the file when it needs it
	 * (ks_tdat_kallsyms_file): a copy of 5 MB is most of the time of a small profile.
	 */
	if ((t->flags & KS_TDAT_NO_FUNCTIONS) && t->owns_map && t->fd >= 0) {
		t->kallsyms_off = (uint64_t)(c.p - t->map);
		if (!take(&c, len))
			return bad(err, "kallsyms cut short");
		t->kallsyms_in_file = true;
		t->kallsyms_len = len;
	} else {
		text = take_str(&c, len);
		if (!text)
			return bad(err, "kallsyms cut short");
		if (len && !(t->flags & KS_TDAT_NO_FUNCTIONS))
			tep_parse_kallsyms(t->tep, text);
		free(t->kallsyms);
		t->kallsyms = text;
		t->kallsyms_len = len;
	}
	len = take_num(&c, 4);
	text = take_str(&c, len);
	if (!text)
		return bad(err, "printk formats cut short");
	clean = ks_tdat_printk_clean(text, len);
	free(text);
	if (!clean)
		return ks_err_set(err, -ENOMEM, "out of memory");
	if (*clean)
		tep_parse_printk_formats(t->tep, clean);
	free(clean);
	len = take_num(&c, 8);
	text = take_str(&c, len);
	if (!text)
		return bad(err, "saved cmdlines cut short");
	if (len)
		tep_parse_saved_cmdlines(t->tep, text);
	free(text);

	t->info.ncpus = (int)take_num(&c, 4);
	if (c.bad || t->info.ncpus <= 0 || t->info.ncpus > 8192)
		return bad(err, "bad CPU count");
	if (!take(&c, 10))
		return bad(err, "cut short before the data");
	if (!memcmp(c.p - 10, "options  ", 10)) {
		if (parse_options(t, &c, err))
			return -EBADMSG;
		if (!take(&c, 10))
			return bad(err, "cut short before the data");
	}
	if (!memcmp(c.p - 10, "latency  ", 10))
		return ks_err_set(err, -EPROTONOSUPPORT, "latency-format trace.dat files (trace-cmd "
				  "record -p irqsoff without flyrecord) are not supported");
	if (memcmp(c.p - 10, "flyrecord", 10))
		return bad(err, "no flyrecord section");
	t->cpus = calloc(t->info.ncpus, sizeof(*t->cpus));
	if (!t->cpus)
		return ks_err_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < t->info.ncpus; i++) {
		uint64_t off = take_num(&c, 8), size = take_num(&c, 8);

		if (c.bad)
			return bad(err, "CPU table cut short");
		/* A file cut short (disk full, copy interrupted) keeps its whole pages. */
		if (off > t->map_size)
			off = t->map_size, size = 0;
		if (size > t->map_size - off)
			size = t->map_size - off;
		t->cpus[i].data = t->map + off;
		t->cpus[i].offset = off;
		t->cpus[i].size = size / t->info.page_size * t->info.page_size;
	}
	if (cpus_overlap(t))
		return bad(err, "CPU data blocks overlap");
	return 0;
}

/* --- per-CPU iteration (own reader) --- */

static uint32_t read_u32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap32(v) : v;
}

/*
 * Walks the events of a sub-buffer the way kbuffer will, before it does: kbuffer
 * trusts their lengths, so a padding event that points backwards makes it loop
 * forever, and a data event may claim more than the page. Data events must end
 * within the commit; the walk must move forward. @data has 8 bytes of slack.
 */
static bool page_events_ok(struct ks_tdat *t, const uint8_t *data, uint32_t size)
{
	bool swap = t->info.big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	uint32_t pos = 0, hdr, type_len, len;
	uint64_t next;

	while (pos < size) {
		hdr = read_u32(data + pos, swap);
		type_len = t->info.big_endian ? hdr >> 27 : hdr & 31;
		switch (type_len) {
		case 29:	/* padding: kbuffer adds its length as a signed int */
			len = read_u32(data + pos + 4, swap);
			next = (uint32_t)(pos + 4 + len);
			if (next <= pos)
				return false;
			break;
		case 30:	/* time extend */
		case 31:	/* absolute time stamp */
			next = (uint64_t)pos + 8;
			break;
		case 0:		/* length in the next word, itself included */
			if (size - pos < 8)
				return false;
			len = read_u32(data + pos + 4, swap);
			next = (uint64_t)pos + 8 + (((uint64_t)len - 4 + 3) & ~3ull);
			if (len < 4 || next > size)
				return false;
			break;
		default:
			next = (uint64_t)pos + 4 + 4 * type_len;
			if (next > size)
				return false;
			break;
		}
		if (next >= size)
			break;
		pos = (uint32_t)next;
	}
	return true;
}

/* Copy page @idx of @cpu into @buf: from memory, or from the file a chunk at a time. */
static bool fetch_page(struct ks_tdat *t, struct tdat_cpu *cpu, uint64_t idx, uint8_t *buf)
{
	int ps = t->info.page_size;
	ssize_t got;

	if (cpu->data) {
		memcpy(buf, cpu->data + idx * ps, ps);
		return true;
	}
	if (idx < cpu->chunk_first || idx >= cpu->chunk_first + cpu->chunk_pages) {
		uint64_t n = cpu->size / ps - idx;

		if (n > CHUNK_PAGES)
			n = CHUNK_PAGES;
		got = pread(t->fd, cpu->chunk, n * ps, cpu->offset + idx * ps);
		if (got < ps)
			return false;
		cpu->chunk_first = idx;
		cpu->chunk_pages = (uint64_t)got / ps;
	}
	memcpy(buf, cpu->chunk + (idx - cpu->chunk_first) * ps, ps);
	return true;
}

static bool load_page(struct ks_tdat *t, struct tdat_cpu *cpu)
{
	int ps = t->info.page_size, hdr = 8 + t->info.long_size;
	uint64_t commit;
	uint8_t *buf;

	while (cpu->page * ps < cpu->size) {
		cpu->cur ^= 1;
		buf = cpu->bufs[cpu->cur];
		if (!fetch_page(t, cpu, cpu->page, buf)) {
			t->corrupt = -EIO;
			break;
		}
		cpu->page++;
		t->consumed += ps;
		commit = t->info.long_size == 8 ? *(uint64_t *)(buf + 8) : *(uint32_t *)(buf + 8);
		if (t->info.big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
			commit = t->info.long_size == 8 ? __builtin_bswap64(commit) :
				__builtin_bswap32((uint32_t)commit);
		commit &= (1u << 27) - 1;
		if (commit > (uint64_t)(ps - hdr) ||
		    !page_events_ok(t, buf + hdr, (uint32_t)commit)) {
			t->corrupt = -EBADMSG;
			break;
		}
		if (kbuffer_load_subbuffer(cpu->kbuf, buf) < 0) {
			t->corrupt = -EBADMSG;
			break;
		}
		cpu->missed = kbuffer_missed_events(cpu->kbuf);
		cpu->event = kbuffer_read_event(cpu->kbuf, &cpu->ts);
		if (cpu->event)
			return true;
	}
	cpu->done = true;
	cpu->event = NULL;
	return false;
}

static bool cpu_advance(struct ks_tdat *t, struct tdat_cpu *cpu)
{
	cpu->missed = 0;
	cpu->event = kbuffer_next_event(cpu->kbuf, &cpu->ts);
	return cpu->event ? true : load_page(t, cpu);
}

static bool ts_less(struct ks_tdat *t, int a, int b)
{
	struct tdat_cpu *x = &t->cpus[a], *y = &t->cpus[b];

	return x->ts < y->ts || (x->ts == y->ts && a < b);
}

static void heap_down(struct ks_tdat *t, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i, tmp;

		if (l < t->heap_n && ts_less(t, t->heap[l], t->heap[m]))
			m = l;
		if (r < t->heap_n && ts_less(t, t->heap[r], t->heap[m]))
			m = r;
		if (m == i)
			return;
		tmp = t->heap[i];
		t->heap[i] = t->heap[m];
		t->heap[m] = tmp;
		i = m;
	}
}

/*
 * libtraceevent prints a field of size 0 ("char buf[]") as the rest of the record,
 * size - offset bytes, which a record that ends before the field makes negative
 * (a 4 GB copy). Such a record is corrupt: let it end at the field instead; the
 * bytes up to there are in the page buffer (field offsets are checked).
 */
static int32_t min_record_size(struct ks_tdat *t, struct tep_record *rec)
{
	struct tep_event *ev = tep_find_event_by_record(t->tep, rec);
	struct tep_format_field *f;
	int32_t size = 0;
	int i;

	for (i = 0; ev && i < 2; i++)
		for (f = i ? ev->format.fields : ev->format.common_fields; f; f = f->next)
			if (!f->size && f->offset > size)
				size = f->offset;
	return size;
}

/* The floor is known per event id (common_type, the record's first u16): found once. */
static int record_size(struct ks_tdat *t, struct tep_record *rec)
{
	uint16_t id;
	int i;

	if (rec->size < 2)
		return rec->size;
	if (!t->min_size) {
		t->min_size = malloc(65536 * sizeof(*t->min_size));
		if (!t->min_size)
			return rec->size > min_record_size(t, rec) ? rec->size : min_record_size(t, rec);
		for (i = 0; i < 65536; i++)
			t->min_size[i] = -1;
	}
	memcpy(&id, rec->data, 2);
	if (t->info.big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
		id = (uint16_t)(id >> 8 | id << 8);
	if (t->min_size[id] < 0)
		t->min_size[id] = min_record_size(t, rec);
	return rec->size > t->min_size[id] ? rec->size : t->min_size[id];
}

static struct tep_record *own_next(struct ks_tdat *t, int *err_ret)
{
	struct tep_record *rec;
	struct tdat_cpu *cpu;
	int top, size;

	if (t->last_cpu >= 0) {
		/* The event handed out last time is done with: move its CPU on. */
		if (!cpu_advance(t, &t->cpus[t->last_cpu]))
			t->heap[0] = t->heap[--t->heap_n];
		heap_down(t, 0);
		t->last_cpu = -1;
	}
	for (;;) {
		if (!t->heap_n) {
			*err_ret = t->corrupt;
			return NULL;
		}
		top = t->heap[0];
		cpu = &t->cpus[top];
		size = kbuffer_event_size(cpu->kbuf);
		if (size >= 0 &&
		    (uint8_t *)cpu->event + size <= cpu->bufs[cpu->cur] + t->info.page_size)
			break;
		/* page_events_ok() rules this out; should it happen, drop the CPU. */
		t->corrupt = -EBADMSG;
		cpu->done = true;
		cpu->event = NULL;
		t->heap[0] = t->heap[--t->heap_n];
		heap_down(t, 0);
	}
	rec = &t->recs[t->rec_cur ^= 1];
	memset(rec, 0, sizeof(*rec));
	rec->ts = cpu->ts;
	rec->cpu = top;
	rec->data = cpu->event;
	rec->size = size;
	rec->record_size = size;
	rec->size = record_size(t, rec);
	rec->missed_events = cpu->missed;
	rec->offset = cpu->offset + (cpu->page - 1) * t->info.page_size +
		((uint8_t *)cpu->event - cpu->bufs[cpu->cur]);
	t->last_cpu = top;
	*err_ret = 0;
	return rec;
}

static int own_rewind(struct ks_tdat *t, const uint64_t *mask)
{
	enum kbuffer_long_size ls = t->info.long_size == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4;
	enum kbuffer_endian en = t->info.big_endian ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE;
	int i;

	t->heap_n = 0;
	t->last_cpu = -1;
	t->peeked = NULL;
	t->consumed = 0;
	t->corrupt = 0;
	for (i = 0; i < t->info.ncpus; i++) {
		struct tdat_cpu *cpu = &t->cpus[i];

		cpu->page = 0;
		cpu->done = false;
		cpu->event = NULL;
		if (mask && !(mask[i / 64] & (1ull << (i % 64))))
			continue;
		if (!cpu->size)
			continue;
		cpu->chunk_pages = 0;
		if (!cpu->kbuf) {
			cpu->kbuf = kbuffer_alloc(ls, en);
			cpu->bufs[0] = calloc(1, t->info.page_size + PAGE_SLACK);
			cpu->bufs[1] = calloc(1, t->info.page_size + PAGE_SLACK);
			if (!cpu->data)
				cpu->chunk = malloc((size_t)CHUNK_PAGES * t->info.page_size);
			if (!cpu->kbuf || !cpu->bufs[0] || !cpu->bufs[1] || (!cpu->data && !cpu->chunk))
				return -ENOMEM;
		}
		if (load_page(t, cpu))
			t->heap[t->heap_n++] = i;
	}
	for (i = t->heap_n / 2 - 1; i >= 0; i--)
		heap_down(t, i);
	return 0;
}

/* --- libtracecmd backend for v7 and anything newer --- */

#ifdef KS_HAVE_TRACECMD
static int tc_open(struct ks_tdat *t, const char *path, struct ks_err *err)
{
	t->tc = tracecmd_open(path, 0);
	if (!t->tc)
		return ks_err_set(err, -EBADMSG, "libtracecmd cannot read %s (version %d)", path,
				  t->info.version);
	/* libtracecmd brings its own tep (with plugins): drop ours. */
	if (t->plugins)
		tep_unload_plugins(t->plugins, t->tep);
	t->plugins = NULL;
	tep_free(t->tep);
	t->tep = tracecmd_get_tep(t->tc);
	t->info.ncpus = tep_get_cpus(t->tep);
	t->info.page_size = tep_get_page_size(t->tep);
	t->info.long_size = tep_get_long_size(t->tep);
	t->info.backend = "libtracecmd";
	/* The public API does not expose the clock; trace-cmd's default is "local". */
	snprintf(t->clock, sizeof(t->clock), "local");
	t->cpus = calloc(t->info.ncpus > 0 ? t->info.ncpus : 1, sizeof(*t->cpus));
	if (!t->cpus)
		return ks_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static struct tep_record *tc_next(struct ks_tdat *t)
{
	struct tep_record *best = NULL;
	int i, bi = -1;

	/* The record before last is no longer needed (see tdat_cpu.bufs). */
	if (t->tc_last[0])
		tracecmd_free_record(t->tc_last[0]);
	t->tc_last[0] = t->tc_last[1];
	t->tc_last[1] = NULL;
	for (i = 0; i < t->info.ncpus; i++) {
		struct tdat_cpu *cpu = &t->cpus[i];

		if (cpu->done)
			continue;
		if (!cpu->rec) {
			cpu->rec = tracecmd_read_data(t->tc, i);
			if (!cpu->rec) {
				cpu->done = true;
				continue;
			}
		}
		if (!best || cpu->rec->ts < best->ts) {
			best = cpu->rec;
			bi = i;
		}
	}
	if (!best)
		return NULL;
	t->cpus[bi].rec = NULL;
	t->tc_last[1] = best;
	t->consumed += best->record_size;
	return best;
}

static void tc_rewind(struct ks_tdat *t, const uint64_t *mask)
{
	int i;

	for (i = 0; i < t->info.ncpus; i++) {
		struct tdat_cpu *cpu = &t->cpus[i];

		if (cpu->rec)
			tracecmd_free_record(cpu->rec);
		cpu->rec = NULL;
		cpu->done = mask && !(mask[i / 64] & (1ull << (i % 64)));
		if (!cpu->done) {
			/* Position at the CPU's first record; hand it out from the merge. */
			cpu->rec = tracecmd_read_cpu_first(t->tc, i);
			cpu->done = !cpu->rec;
		}
	}
	t->consumed = 0;
}
#endif

/* --- public --- */

static struct tep_record *tdat_next_raw(struct ks_tdat *t, int *err_ret);

static bool uses_tracecmd(struct ks_tdat *t)
{
#ifdef KS_HAVE_TRACECMD
	return t->tc != NULL;
#else
	return false;
#endif
}

/* One record ahead; the next ks_tdat_next() returns it. The current record stays valid. */
struct tep_record *ks_tdat_peek(struct ks_tdat *t, int *err_ret)
{
	if (!t->peeked)
		t->peeked = tdat_next_raw(t, &t->peek_err);
	*err_ret = t->peek_err;
	return t->peeked;
}

static int tdat_init(struct ks_tdat *t, const char *path, struct ks_err *err)
{
	int ret;

	t->last_cpu = -1;
	t->info.backend = "kscope";
	t->tep = tep_alloc();
	if (!t->tep)
		return ks_err_set(err, -ENOMEM, "out of memory");
	/*
	 * The system's print plugins (sched_switch, ...) format events as trace-cmd does;
	 * a reader that resolves symbols itself reads fields, not printed events.
	 */
	if (!(t->flags & KS_TDAT_NO_FUNCTIONS))
		t->plugins = tep_load_plugins(t->tep);
	err->msg[0] = '\0';
	ret = parse_v6(t, err);
	if (ret == -EPROTONOSUPPORT && !err->msg[0]) {
#ifdef KS_HAVE_TRACECMD
		if (path && t->info.version > 6)
			ret = tc_open(t, path, err);
		else
#endif
			ret = ks_err_set(err, ret, "trace.dat version %d is not supported%s",
					 t->info.version, t->info.version > 6 ?
					 " by this build (no libtracecmd); convert it with "
					 "'trace-cmd convert --file-version 6'" : "");
	}
	if (ret)
		return ret;
	t->heap = calloc(t->info.ncpus, sizeof(*t->heap));
	if (!t->heap)
		return ks_err_set(err, -ENOMEM, "out of memory");
	t->info.clock = t->clock;
	t->info.uname = t->uname ? t->uname : "";
	t->info.writer = t->writer ? t->writer : "";
	t->info.cpustats = t->cpustats.data ? t->cpustats.data : "";
	/*
	 * The header is parsed (libtraceevent copied what it needs): drop the mapping
	 * and read event pages with pread, so memory does not grow with the file.
	 */
	if (t->fd >= 0 && t->owns_map && t->cpus && !uses_tracecmd(t)) {
		int i;

		for (i = 0; i < t->info.ncpus; i++)
			t->cpus[i].data = NULL;
		munmap((void *)t->map, t->map_size);
		t->map = NULL;
	}
	return ks_tdat_rewind(t, NULL) ? ks_err_set(err, -ENOMEM, "out of memory") : 0;
}

int ks_tdat_open_mem(const void *data, size_t size, struct ks_tdat **out, struct ks_err *err)
{
	return ks_tdat_open_mem_flags(data, size, 0, out, err);
}

int ks_tdat_open_mem_flags(const void *data, size_t size, unsigned int flags,
			   struct ks_tdat **out, struct ks_err *err)
{
	struct ks_tdat *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return ks_err_set(err, -ENOMEM, "out of memory");
	t->flags = flags;
	t->fd = -1;
	t->map = data;
	t->map_size = size;
	ret = tdat_init(t, NULL, err);
	if (ret) {
		ks_tdat_close(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* trace-cmd's magic: "\x17\x08\x44" then "tracing" and the version. */
bool ks_tdat_is_tracedat(const void *data, size_t len)
{
	return len >= 3 && !memcmp(data, "\x17\x08\x44", 3);
}

int ks_tdat_file_is_tracedat(const char *path)
{
	char magic[3];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n < 0)
		return -errno;
	return ks_tdat_is_tracedat(magic, (size_t)n);
}

int ks_tdat_open(const char *path, struct ks_tdat **out, struct ks_err *err)
{
	return ks_tdat_open_flags(path, 0, out, err);
}

int ks_tdat_open_flags(const char *path, unsigned int flags, struct ks_tdat **out,
		       struct ks_err *err)
{
	struct ks_tdat *t;
	struct stat st;
	void *map;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ks_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 10) {
		close(fd);
		return ks_err_set(err, -EBADMSG, "%s is not a trace.dat file%s", path,
				  S_ISREG(st.st_mode) ? " (too short)" : "");
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		ret = ks_err_set(err, -errno, "cannot map %s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		munmap(map, st.st_size);
		close(fd);
		return ks_err_set(err, -ENOMEM, "out of memory");
	}
	t->flags = flags;
	t->fd = fd;
	t->map = map;
	t->map_size = st.st_size;
	t->owns_map = true;
	ret = tdat_init(t, path, err);
	if (ret) {
		ks_tdat_close(t);
		return ret;
	}
	*out = t;
	return 0;
}

struct tep_handle *ks_tdat_tep(struct ks_tdat *t)
{
	return t->tep;
}

const struct ks_tdat_info *ks_tdat_info(struct ks_tdat *t)
{
	return &t->info;
}

/* The text of a kallsyms left in the file, read now. */
static int read_kallsyms(struct ks_tdat *t)
{
	char *text;
	ssize_t n;

	if (!t->kallsyms_in_file)
		return 0;
	text = malloc(t->kallsyms_len + 1);
	if (!text)
		return -ENOMEM;
	n = pread(t->fd, text, t->kallsyms_len, (off_t)t->kallsyms_off);
	if (n < 0 || (size_t)n != t->kallsyms_len) {
		free(text);
		return n < 0 ? -errno : -EIO;
	}
	text[n] = '\0';
	t->kallsyms = text;
	t->kallsyms_in_file = false;
	return 0;
}

const char *ks_tdat_kallsyms(struct ks_tdat *t, size_t *len)
{
	*len = 0;
	if (read_kallsyms(t))
		return NULL;
	*len = t->kallsyms_len;
	return t->kallsyms;
}

char *ks_tdat_take_kallsyms(struct ks_tdat *t, size_t *len)
{
	char *text;

	*len = 0;
	if (read_kallsyms(t))
		return NULL;
	text = t->kallsyms;
	*len = t->kallsyms_len;
	t->kallsyms = NULL;
	t->kallsyms_len = 0;
	return text;
}

int ks_tdat_kallsyms_file(struct ks_tdat *t, int *fd, uint64_t *off, size_t *len)
{
	if (!t->kallsyms_in_file)
		return -ENOENT;
	*fd = t->fd;
	*off = t->kallsyms_off;
	*len = t->kallsyms_len;
	return 0;
}

const void *ks_tdat_option(struct ks_tdat *t, uint16_t id, uint32_t *size)
{
	const char *p = t->kopts.data, *end;
	uint16_t oid;
	uint32_t osize;

	*size = 0;
	if (!p)
		return NULL;	/* no options: NULL + 0 is undefined */
	end = p + t->kopts.len;
	while (end - p >= 6) {
		memcpy(&oid, p, 2);
		memcpy(&osize, p + 2, 4);
		if (osize > (size_t)(end - p) - 6)
			break;
		if (oid == id) {
			*size = osize;
			return p + 6;
		}
		p += 6 + osize;
	}
	*size = 0;
	return NULL;
}

uint64_t ks_tdat_cpu_size(struct ks_tdat *t, int cpu)
{
	return cpu >= 0 && cpu < t->info.ncpus ? t->cpus[cpu].size : 0;
}

uint64_t ks_tdat_consumed(struct ks_tdat *t)
{
	return t->consumed;
}

int ks_tdat_rewind(struct ks_tdat *t, const uint64_t *cpu_mask)
{
	t->peeked = NULL;
#ifdef KS_HAVE_TRACECMD
	if (t->tc) {
		tc_rewind(t, cpu_mask);
		return 0;
	}
#endif
	return own_rewind(t, cpu_mask);
}

struct tep_record *ks_tdat_next(struct ks_tdat *t, int *err_ret)
{
	struct tep_record *rec = t->peeked;

	if (rec) {
		t->peeked = NULL;
		*err_ret = t->peek_err;
		return rec;
	}
	return tdat_next_raw(t, err_ret);
}

static struct tep_record *tdat_next_raw(struct ks_tdat *t, int *err_ret)
{
#ifdef KS_HAVE_TRACECMD
	if (t->tc) {
		*err_ret = 0;
		return tc_next(t);
	}
#endif
	return own_next(t, err_ret);
}

void ks_tdat_close(struct ks_tdat *t)
{
	int i;

	if (!t)
		return;
	free(t->min_size);
	for (i = 0; t->cpus && i < t->info.ncpus; i++) {
		if (t->cpus[i].kbuf)
			kbuffer_free(t->cpus[i].kbuf);
		free(t->cpus[i].bufs[0]);
		free(t->cpus[i].bufs[1]);
		free(t->cpus[i].chunk);
#ifdef KS_HAVE_TRACECMD
		if (t->cpus[i].rec)
			tracecmd_free_record(t->cpus[i].rec);
#endif
	}
#ifdef KS_HAVE_TRACECMD
	if (t->tc_last[0])
		tracecmd_free_record(t->tc_last[0]);
	if (t->tc_last[1])
		tracecmd_free_record(t->tc_last[1]);
	if (t->tc) {
		/* libtracecmd owns that tep; ours was freed when it took over. */
		tracecmd_close(t->tc);
		t->tep = NULL;
	}
#endif
	if (t->tep) {
		if (t->plugins)
			tep_unload_plugins(t->plugins, t->tep);
		tep_free(t->tep);
	}
	if (t->owns_map && t->map)
		munmap((void *)t->map, t->map_size);
	if (t->fd >= 0)
		close(t->fd);
	free(t->cpus);
	free(t->heap);
	free(t->uname);
	free(t->writer);
	free(t->kallsyms);
	ks_buf_free(&t->kopts);
	ks_buf_free(&t->cpustats);
	free(t);
}

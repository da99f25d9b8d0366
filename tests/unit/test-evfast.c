// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: compiled event formats (evfast.c) print exactly what libtraceevent's
 * tep_print_event(..., "%s", TEP_PRINT_INFO) prints, on hand-written formats and
 * random records, and hand back what they do not handle.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <event-parse.h>

#include "kscope/tracedat/evfast.h"
#include "kscope/base/util.h"
#include "tap.h"

#define COMMON								\
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"	\
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"	\
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

/* Formats as the kernel writes them (raw_syscalls, syscalls, sched, irq) and more. */
static const struct {
	int id;
	const char *name;
	const char *fields;
	const char *print;
	int size;		/* record size */
	int fast;		/* 1: compiled; 0: left to libtraceevent */
} events[] = {
	{ 21, "sys_enter",
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n",
	  "\"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], REC->args[1], "
	  "REC->args[2], REC->args[3], REC->args[4], REC->args[5]", 64, 1 },
	{ 22, "sys_exit",
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n",
	  "\"NR %ld = %ld\", REC->id, REC->ret", 24, 1 },
	{ 23, "sys_enter_openat",
	  "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	  "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	  "\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	  "\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n",
	  "\"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", "
	  "((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), "
	  "((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))", 48, 1 },
	{ 24, "sched_stat_runtime",
	  "\tfield:__data_loc char[] comm;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	  "\tfield:u64 runtime;\toffset:16;\tsize:8;\tsigned:0;\n",
	  "\"comm=%s pid=%d runtime=%Lu [ns]\", __get_str(comm), REC->pid, "
	  "(unsigned long long)REC->runtime", 48, 1 },
	{ 25, "sched_process_exec",
	  "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	  "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	  "\tfield:__data_loc char[] interp;\toffset:20;\tsize:4;\tsigned:0;\n",
	  "\"filename=%-12s| pid=%-5d old_pid=%5d interp=%.4s|\", __get_str(filename), "
	  "REC->pid, REC->old_pid, __get_str(interp)", 64, 1 },
	{ 26, "comm_array",
	  "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	  "\tfield:unsigned char prio;\toffset:28;\tsize:1;\tsigned:0;\n"
	  "\tfield:short delta;\toffset:30;\tsize:2;\tsigned:1;\n"
	  "\tfield:unsigned long addr;\toffset:32;\tsize:8;\tsigned:0;\n",
	  "\"comm=%s [%-16s] [%20.5s] pid=%-5d prio=%hhu delta=%hd addr=%08lx %%done\\t\\\\ "
	  "neg=%ld %u %lld %#x %#o %o %X %.3d %-8.4x| %5i %zu %c\", REC->comm, REC->comm, "
	  "REC->comm, REC->pid, REC->prio, REC->delta, REC->addr, REC->pid, REC->pid, REC->addr, "
	  "REC->pid, REC->pid, REC->delta, REC->addr, REC->pid, REC->delta, REC->pid, REC->addr, "
	  "REC->prio", 40, 1 },
	{ 27, "casts",
	  "\tfield:u64 v;\toffset:8;\tsize:8;\tsigned:0;\n"
	  "\tfield:int a[4];\toffset:16;\tsize:16;\tsigned:1;\n",
	  "\"%llx %llx %llx %llx %llu %lld %d %d %x %s %d %s\", (u8)REC->v, (u16)REC->v, "
	  "(unsigned int)REC->v, (s32)REC->v, (char)REC->v, (short)REC->v, REC->a[0], "
	  "REC->a[3], ((unsigned short)(REC->a[1])), \"lit\", 42, \"x\"", 32, 1 },
	{ 28, "rel_loc",
	  "\tfield:int n;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:__rel_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n",
	  "\"n=%d name=%s end\", REC->n, __get_rel_str(name)", 48, 1 },
	/* libtraceevent's business */
	{ 40, "pointer", "\tfield:void * p;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"p=%p\", REC->p", 16, 0 },
	{ 41, "symbolic", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n",
	  "\"v=%s\", __print_symbolic(REC->v, { 0, \"zero\" }, { 1, \"one\" })", 12, 0 },
	{ 42, "ternary", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n",
	  "\"v=%s\", REC->v ? \"yes\" : \"no\"", 12, 0 },
	{ 43, "star", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:char s[8];\toffset:12;\tsize:8;\tsigned:0;\n",
	  "\"%.*s\", REC->v, REC->s", 20, 0 },
	{ 44, "arith", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n",
	  "\"v=%d\", REC->v + 1", 12, 0 },
	{ 45, "ptrstr", "\tfield:const char * s;\toffset:8;\tsize:8;\tsigned:0;\n",
	  "\"s=%s\", REC->s", 16, 0 },
	{ 46, "handled", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n",
	  "\"v=%d\", REC->v", 12, 0 },
	{ 47, "plus", "\tfield:int v;\toffset:8;\tsize:4;\tsigned:1;\n",
	  "\"v=%+d\", REC->v", 12, 1 },
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int parse(struct tep_handle *tep, int id, const char *name, const char *fields,
		 const char *print)
{
	char buf[8192];
	int n;

	n = snprintf(buf, sizeof(buf), "name: %s\nID: %d\nformat:\n" COMMON "%s\nprint fmt: %s\n",
		     name, id, fields, print);
	return tep_parse_event(tep, buf, n, "test");
}

static void put_le(unsigned char *p, uint64_t v, int size)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A value that hits the edges often: 0, -1, sign bits, small numbers. */
static uint64_t edgy(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return ~0ULL;
	case 2:
		return 1ULL << (rnd() % 64);
	case 3:
		return rnd() % 20;
	case 4:
		return 0 - (rnd() % 20);
	default:
		return rnd();
	}
}

static void put_str(unsigned char *p, int len)
{
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz-_/.0123456789 ";
	int i;

	for (i = 0; i < len; i++)
		p[i] = cs[rnd() % (sizeof(cs) - 1)];
}

/* A random record of @ev: random fields, valid strings. */
static int make_record(struct tep_event *ev, unsigned char *data, int size)
{
	struct tep_format_field *f;
	int end = size, i;

	for (i = 0; i < size; i++)
		data[i] = (unsigned char)rnd();
	put_le(data, ev->id, 2);
	for (f = ev->format.fields; f; f = f->next) {
		if (f->flags & TEP_FIELD_IS_DYNAMIC) {
			int len = (int)(rnd() % 14), off = end;

			if (rnd() % 5 == 0)
				len = 0;
			put_str(data + off, len);
			data[off + len] = 0;
			end += len + 1;
			if (f->flags & TEP_FIELD_IS_RELATIVE)
				off -= f->offset + f->size;
			put_le(data + f->offset, (uint64_t)(len ? len + 1 : 0) << 16 | off, 4);
		} else if (f->flags & TEP_FIELD_IS_ARRAY && f->elementsize == 1) {
			put_str(data + f->offset, f->size);
			if (rnd() % 4)
				data[f->offset + rnd() % f->size] = 0;
		} else if (f->flags & TEP_FIELD_IS_ARRAY) {
			for (i = 0; i < f->size; i += f->elementsize)
				put_le(data + f->offset + i, edgy(), f->elementsize);
		} else {
			put_le(data + f->offset, edgy(), f->size);
		}
	}
	return end;
}

static const char *tep_text(struct tep_handle *tep, struct trace_seq *s, struct tep_record *rec)
{
	trace_seq_reset(s);
	tep_print_event(tep, s, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(s);
	return s->buffer;
}

/* @n random records of @ev: the fast text equals libtraceevent's. */
static int compare_random(struct tep_handle *tep, struct ks_evfast *f, struct tep_event *ev,
			  int size, int n)
{
	unsigned char data[512];
	char out[8192];
	struct trace_seq s;
	struct tep_record rec = { .data = data };
	int i, len, bad = 0;

	trace_seq_init(&s);
	for (i = 0; i < n && bad < 3; i++) {
		rec.size = make_record(ev, data, size);
		len = ks_evfast_format(f, ev, &rec, out, sizeof(out) - 1);
		if (len < 0) {
			printf("#   %s: record %d: %d\n", ev->name, i, len);
			bad++;
			continue;
		}
		out[len] = 0;
		tep_text(tep, &s, &rec);
		if (strcmp(out, s.buffer)) {
			printf("#   %s: fast '%s'\n#   %s: tep  '%s'\n", ev->name, out, ev->name,
			       s.buffer);
			bad++;
		}
	}
	trace_seq_destroy(&s);
	return bad;
}

static int handler(struct trace_seq *s, struct tep_record *rec, struct tep_event *ev, void *ctx)
{
	trace_seq_puts(s, "handled");
	return 0;
}

static struct tep_handle *new_tep(void)
{
	struct tep_handle *tep = tep_alloc();

	if (!tep)
		return NULL;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	return tep;
}

static void test_formats(void)
{
	struct tep_handle *tep = new_tep();
	struct ks_evfast *f;
	struct ks_evfast_stats st;
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(events); i++)
		ok(parse(tep, events[i].id, events[i].name, events[i].fields, events[i].print) == 0,
		   "parse %s", events[i].name);
	tep_register_event_handler(tep, 46, "test", "handled", handler, NULL);
	/* verify=0: what is compared below is the compiler's own output */
	f = ks_evfast_new(tep, 0);
	for (i = 0; i < KS_ARRAY_SIZE(events); i++) {
		struct tep_event *ev = tep_find_event(tep, events[i].id);

		if (!events[i].fast) {
			unsigned char data[64] = { 0 };
			struct tep_record rec = { .data = data, .size = events[i].size };
			char out[256];

			put_le(data, events[i].id, 2);
			is_int(ks_evfast_state(f, ev), KS_EVFAST_SLOW, "%s is left to libtraceevent",
			       ev->name);
			is_int(ks_evfast_format(f, ev, &rec, out, sizeof(out)), -EOPNOTSUPP,
			       "%s: -EOPNOTSUPP", ev->name);
			continue;
		}
		is_int(ks_evfast_state(f, ev), KS_EVFAST_FAST, "%s is compiled", ev->name);
		is_int(compare_random(tep, f, ev, events[i].size, 3000), 0,
		       "%s: 3000 random records print as libtraceevent prints them", ev->name);
	}
	ks_evfast_get_stats(f, &st);
	ok(st.mismatched == 0 && st.fast >= 3000, "stats: %llu fast, %d compiled, %d not",
	   st.fast, st.compiled, st.unsupported);
	ks_evfast_free(f);
	tep_free(tep);
}

/* Exact strings for a few records, so a libtraceevent change shows up here too. */
static void test_known(void)
{
	struct tep_handle *tep = new_tep();
	unsigned char data[64] = { 0 };
	struct tep_record rec = { .data = data, .size = 24 };
	struct ks_evfast *f;
	struct tep_event *ev;
	char out[4096];
	int n;

	parse(tep, events[1].id, events[1].name, events[1].fields, events[1].print);
	parse(tep, events[5].id, events[5].name, events[5].fields, events[5].print);
	f = ks_evfast_new(tep, KS_EVFAST_VERIFY);
	ev = tep_find_event(tep, 22);
	put_le(data, 22, 2);
	put_le(data + 8, 39, 8);
	put_le(data + 16, (uint64_t)-2, 8);
	n = ks_evfast_format(f, ev, &rec, out, sizeof(out));
	ok(n == 10 && !memcmp(out, "NR 39 = -2", 10), "sys_exit: 'NR 39 = -2'");

	ev = tep_find_event(tep, 26);
	memset(data, 0, sizeof(data));
	put_le(data, 26, 2);
	memcpy(data + 8, "kworker/0:1", 11);
	put_le(data + 24, (uint64_t)-1, 4);	/* pid -1 */
	put_le(data + 28, 200, 1);
	put_le(data + 30, (uint64_t)-3, 2);
	put_le(data + 32, 0xbeef, 8);
	rec.size = 40;
	n = ks_evfast_format(f, ev, &rec, out, sizeof(out) - 1);
	out[n < 0 ? 0 : n] = 0;
	is_str(out, "comm=kworker/0:1 [kworker/0:1     ] [               kwork] pid=-1    "
	       "prio=200 delta=-3 addr=0000beef %done\t\\ neg=4294967295 4294967295 48879 "
	       "0xffffffff 037777777777 177775 BEEF -001 fffd    |    -1 48879 >c<",
	       "comm_array: widths, flags, casts, escapes, %%c as libtraceevent prints them");

	/* a record too short for its fields goes to libtraceevent */
	rec.size = 30;
	is_int(ks_evfast_format(f, ev, &rec, out, sizeof(out)), -EAGAIN, "short record: -EAGAIN");
	rec.size = 40;
	is_int(ks_evfast_format(f, ev, &rec, out, 16), -ENOSPC, "small buffer: -ENOSPC");
	ks_evfast_free(f);
	tep_free(tep);
}

/* The first records are compared with libtraceevent; a difference switches off the event. */
static void test_guard(void)
{
	struct tep_handle *tep = new_tep();
	unsigned char data[64] = { 0 };
	struct tep_record rec = { .data = data, .size = 24 };
	struct ks_evfast_stats st;
	struct ks_evfast *f;
	struct tep_event *ev;
	char out[256];
	int i, n = 0;

	parse(tep, 22, "sys_exit", events[1].fields, events[1].print);
	ev = tep_find_event(tep, 22);
	f = ks_evfast_new(tep, 4);
	put_le(data, 22, 2);
	put_le(data + 8, 1, 8);
	put_le(data + 16, 2, 8);
	for (i = 0; i < 3; i++)
		n += ks_evfast_format(f, ev, &rec, out, sizeof(out)) > 0;
	ok(n == 3 && ks_evfast_state(f, ev) == KS_EVFAST_FAST, "3 records checked and formatted");
	/* libtraceevent now reads the file as big-endian: the compiled program does not */
	tep_set_file_bigendian(tep, TEP_BIG_ENDIAN);
	put_le(data, 22 << 8, 2);
	is_int(ks_evfast_format(f, ev, &rec, out, sizeof(out)), -EOPNOTSUPP,
	       "a difference within the checked records: -EOPNOTSUPP");
	is_int(ks_evfast_state(f, ev), KS_EVFAST_OFF, "... and the event is switched off");
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	put_le(data, 22, 2);
	is_int(ks_evfast_format(f, ev, &rec, out, sizeof(out)), -EOPNOTSUPP, "... for good");
	ks_evfast_get_stats(f, &st);
	ok(st.mismatched == 1 && st.verified == 3 && st.fast == 3, "stats count it");
	ks_evfast_free(f);
	tep_free(tep);
}

/* A file from a 32-bit kernel: %l still prints what libtraceevent passes, a host long. */
static void test_long4(void)
{
	struct tep_handle *tep = new_tep();
	struct ks_evfast *f;
	struct tep_event *ev;

	tep_set_long_size(tep, 4);
	parse(tep, 21, "sys_enter", "\tfield:long id;\toffset:8;\tsize:4;\tsigned:1;\n"
	      "\tfield:unsigned long args[6];\toffset:12;\tsize:24;\tsigned:0;\n",
	      events[0].print);
	parse(tep, 22, "sys_exit", "\tfield:long id;\toffset:8;\tsize:4;\tsigned:1;\n"
	      "\tfield:long ret;\toffset:12;\tsize:4;\tsigned:1;\n"
	      "\tfield:char comm[4];\toffset:16;\tsize:4;\tsigned:0;\n"
	      "\tfield:int p;\toffset:20;\tsize:4;\tsigned:0;\n",
	      "\"NR %ld = %ld %s %s %lu\", REC->id, REC->ret, REC->comm, REC->comm, REC->p");
	f = ks_evfast_new(tep, 0);
	ev = tep_find_event(tep, 21);
	ok(ks_evfast_state(f, ev) == KS_EVFAST_FAST &&
	   compare_random(tep, f, ev, 36, 2000) == 0, "4-byte longs: sys_enter as libtraceevent");
	ev = tep_find_event(tep, 22);
	ok(ks_evfast_state(f, ev) == KS_EVFAST_FAST &&
	   compare_random(tep, f, ev, 24, 2000) == 0,
	   "4-byte longs: %%ld of negative longs, %%s of a long-sized char array");
	ks_evfast_free(f);
	tep_free(tep);
}

/* One event of the matrix: @print's conversions against 200 random records. */
static int matrix_event(struct tep_handle *tep, struct ks_evfast *f, int id, const char *print,
			int *nfast)
{
	struct tep_event *ev;

	if (parse(tep, id, "m",
		  "\tfield:s8 a;\toffset:8;\tsize:1;\tsigned:1;\n"
		  "\tfield:u16 b;\toffset:10;\tsize:2;\tsigned:0;\n"
		  "\tfield:int c;\toffset:12;\tsize:4;\tsigned:1;\n"
		  "\tfield:u64 d;\toffset:16;\tsize:8;\tsigned:0;\n"
		  "\tfield:u32 e[2];\toffset:24;\tsize:8;\tsigned:0;\n", print))
		return 1;
	ev = tep_find_event(tep, id);
	if (ks_evfast_state(f, ev) != KS_EVFAST_FAST) {
		printf("#   not compiled: %s\n", print);
		return 0;
	}
	(*nfast)++;
	return compare_random(tep, f, ev, 32, 200);
}

/* Every integer conversion printf knows, with flags, widths and precisions. */
static void test_int_matrix(void)
{
	static const char *const flags[] = { "", "-", "0", "#", "-#", "0#", "-0" };
	static const char *const widths[] = { "", "1", "5", "12", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".20" };
	static const char *const lens[] = { "hh", "h", "", "l", "ll", "z" };
	static const char convs[] = "diuxXo";
	static const char *const fields[] = { "REC->a", "REC->b", "REC->c", "REC->d",
					      "(u8)REC->d", "(short)REC->d", "REC->e[1]" };
	const int nf = KS_ARRAY_SIZE(flags), nw = KS_ARRAY_SIZE(widths);
	const int np = KS_ARRAY_SIZE(precs), nl = KS_ARRAY_SIZE(lens), nc = sizeof(convs) - 1;
	const int total = nf * nw * np * nl * nc;
	struct tep_handle *tep = new_tep();
	struct ks_evfast *f = ks_evfast_new(tep, 0);
	char fmt[1024], args[1024], print[2048];
	int i, k, id = 100, bad = 0, nev = 0, nfast = 0;
	size_t fl = 0, al = 0;

	for (i = 0; i < total; i++) {
		k = i;
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%s%%", fl ? "|" : "\"");
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%s", flags[k % nf]);
		k /= nf;
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%s", widths[k % nw]);
		k /= nw;
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%s", precs[k % np]);
		k /= np;
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%s", lens[k % nl]);
		k /= nl;
		fl += snprintf(fmt + fl, sizeof(fmt) - fl, "%c", convs[k % nc]);
		al += snprintf(args + al, sizeof(args) - al, ", %s",
			       fields[i % KS_ARRAY_SIZE(fields)]);
		if (fl < 300 && i < total - 1)
			continue;
		snprintf(print, sizeof(print), "%s\"%s", fmt, args);
		bad += matrix_event(tep, f, id++, print, &nfast);
		nev++;
		fl = al = 0;
	}
	ok(nev > 0 && nfast == nev, "%d of %d events with %d integer conversions compiled",
	   nfast, nev, total);
	is_int(bad, 0, "... and print 200 random records each as libtraceevent does");
	ks_evfast_free(f);
	tep_free(tep);
}

int main(void)
{
	test_formats();
	test_known();
	test_guard();
	test_long4();
	test_int_matrix();
	return tap_done();
}

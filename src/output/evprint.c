// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event lines in trace-cmd report's layout:
 *   "%16s-%-5d [%03d] %5llu.%06llu: %s: <pad to 20> <info>"
 * The comm/pid/cpu/time prefix is formatted here directly (tep_print_event parses
 * its format string on every call); the event's own text comes from the compiled
 * formats of evfast.c where they apply (checked against libtraceevent on each
 * event's first records), else from libtraceevent and its plugins, so it is
 * identical to trace-cmd's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/tracedat/evfast.h"
#include "kscope/output/evprint.h"
#include "kscope/base/util.h"

#define PRINTER_FLUSH_AT (256u << 10)

int ks_printer_time_mode(const char *clock)
{
	static const char *const usecs[] = { "local", "global", "uptime", "perf", "tai" };
	size_t i;

	if (!clock || !*clock || !strncmp(clock, "mono", 4))
		return KS_TIME_USECS;
	for (i = 0; i < KS_ARRAY_SIZE(usecs); i++)
		if (!strcmp(clock, usecs[i]))
			return KS_TIME_USECS;
	return KS_TIME_RAW;
}

int ks_printer_init(struct ks_printer *p, struct tep_handle *tep, int fd, int time_mode)
{
	memset(p, 0, sizeof(*p));
	p->tep = tep;
	p->fd = fd;
	p->time_mode = time_mode;
	if (time_mode == KS_TIME_USECS && tep_test_flag(tep, TEP_NSEC_OUTPUT))
		p->time_mode = KS_TIME_NSECS;
	p->cap = PRINTER_FLUSH_AT + 65536;
	p->buf = malloc(p->cap);
	p->fast = ks_evfast_new(tep, KS_EVFAST_VERIFY);
	p->ftrace = ks_ftrace_new(tep);
	if (!p->buf || !p->fast) {
		free(p->buf);
		ks_evfast_free(p->fast);
		p->buf = NULL;
		p->fast = NULL;
		return -ENOMEM;
	}
	trace_seq_init(&p->seq);
	return 0;
}

static void grow(struct ks_printer *p, size_t need)
{
	char *n;

	if (p->len + need <= p->cap)
		return;
	if (p->len >= PRINTER_FLUSH_AT)
		ks_printer_flush(p);
	if (p->len + need <= p->cap)
		return;
	n = realloc(p->buf, p->len + need + 65536);
	if (!n) {
		p->error = -ENOMEM;
		return;
	}
	p->buf = n;
	p->cap = p->len + need + 65536;
}

void ks_printer_text(struct ks_printer *p, const char *text, size_t len)
{
	grow(p, len);
	if (p->len + len > p->cap)
		return;
	memcpy(p->buf + p->len, text, len);
	p->len += len;
	if (p->len >= PRINTER_FLUSH_AT)
		ks_printer_flush(p);
}

static char *put_u64(char *out, unsigned long long v, int width, int zero)
{
	char tmp[24], *t = ks_udec_back(tmp + sizeof(tmp), v);
	int n = (int)(tmp + sizeof(tmp) - t);

	while (n < width) {
		*out++ = zero ? '0' : ' ';
		width--;
	}
	while (n--)
		*out++ = *t++;
	return out;
}

/* Exactly six digits, zero-padded: v < 1000000. */
static char *put_6(char *o, unsigned int v)
{
	memcpy(o, ks_digits2 + 2 * (v / 10000), 2);
	memcpy(o + 2, ks_digits2 + 2 * (v / 100 % 100), 2);
	memcpy(o + 4, ks_digits2 + 2 * (v % 100), 2);
	return o + 6;
}

void ks_printer_set_peek(struct ks_printer *p, const struct ks_peek *peek)
{
	p->peek = *peek;
}

void ks_printer_record(struct ks_printer *p, struct tep_record *rec)
{
	static const char spaces[] = "                    ";
	struct tep_event *ev = tep_find_event_by_record(p->tep, rec);
	int pid = tep_data_pid(p->tep, rec);
	const char *comm = tep_data_comm_from_pid(p->tep, pid);
	const char *name = ev ? ev->name : "(NULL)";
	size_t clen = strlen(comm), nlen = strlen(name), line;
	unsigned long long t;
	char *o;
	int n;

	/* the prefix, and room for most events' text (else they take the slow path) */
	grow(p, 192 + clen + nlen + 4096);
	if (p->len + 192 + clen + nlen > p->cap)
		return;
	o = p->buf + p->len;
	if (rec->missed_events > 0)
		o += sprintf(o, "CPU:%d [%lld EVENTS DROPPED]\n", rec->cpu, rec->missed_events);
	else if (rec->missed_events < 0)
		o += sprintf(o, "CPU:%d [EVENTS DROPPED]\n", rec->cpu);
	/* "%16s-%-5d [%03d]" */
	if (clen < 16) {
		memset(o, ' ', 16 - clen);
		o += 16 - clen;
	}
	memcpy(o, comm, clen);
	o += clen;
	*o++ = '-';
	{
		char *s = o;

		if (pid < 0) {
			*o++ = '-';
			o = put_u64(o, (unsigned long long)-(long long)pid, 0, 0);
		} else {
			o = put_u64(o, (unsigned long long)pid, 0, 0);
		}
		while (o - s < 5)
			*o++ = ' ';
	}
	*o++ = ' ';
	*o++ = '[';
	o = put_u64(o, (unsigned long long)rec->cpu, 3, 1);
	*o++ = ']';
	/* trace-cmd: " %6.1000d:" for the ns clocks, "%12d:" (no space) for raw counters */
	if (p->time_mode != KS_TIME_RAW)
		*o++ = ' ';
	switch (p->time_mode) {
	case KS_TIME_USECS:
		t = (rec->ts + 500) / 1000;
		o = put_u64(o, t / 1000000, 5, 0);
		*o++ = '.';
		o = put_6(o, (unsigned int)(t % 1000000));
		break;
	case KS_TIME_NSECS:
		o = put_u64(o, rec->ts / 1000000000, 5, 0);
		*o++ = '.';
		o = put_u64(o, rec->ts % 1000000000, 9, 1);
		break;
	default:
		o = put_u64(o, rec->ts, 12, 0);
	}
	*o++ = ':';
	*o++ = ' ';
	memcpy(o, name, nlen);
	o += nlen;
	*o++ = ':';
	*o++ = ' ';
	if (nlen < 20) {
		memcpy(o, spaces, 20 - nlen);
		o += 20 - nlen;
	}

	/* the event's text, one byte kept for the newline */
	n = -EOPNOTSUPP;
	trace_seq_reset(&p->seq);
	if (!ks_ftrace_info(p->ftrace, rec, &p->seq, &p->peek))
		n = ev && p->fast ? ks_evfast_format(p->fast, ev, rec, o,
						     p->buf + p->cap - o - 1) : -EOPNOTSUPP;
	if (n < 0) {
		if (!p->seq.len)
			tep_print_event(p->tep, &p->seq, rec, "%s", TEP_PRINT_INFO);
		n = (int)p->seq.len;
		/* the line so far is not in p->len yet: make room without a flush */
		line = o - (p->buf + p->len);
		if (p->len + line + n + 1 > p->cap) {
			char *nb = realloc(p->buf, p->len + line + n + 1 + 65536);

			if (!nb) {
				p->error = -ENOMEM;
				return;
			}
			p->buf = nb;
			p->cap = p->len + line + n + 1 + 65536;
			o = p->buf + p->len + line;
		}
		memcpy(o, p->seq.buffer, n);
	}
	if (n && o[n - 1] == '\n')
		n--;
	o += n;
	*o++ = '\n';
	p->len = o - p->buf;
	if (p->len >= PRINTER_FLUSH_AT)
		ks_printer_flush(p);
}

int ks_printer_flush(struct ks_printer *p)
{
	int ret;

	if (p->error || !p->len)
		return p->error;
	ret = ks_write_all(p->fd, p->buf, p->len);
	if (ret)
		p->error = ret;
	p->len = 0;
	return p->error;
}

void ks_printer_free(struct ks_printer *p)
{
	ks_ftrace_free(p->ftrace);
	p->ftrace = NULL;
	ks_evfast_free(p->fast);
	p->fast = NULL;
	trace_seq_destroy(&p->seq);
	free(p->buf);
	p->buf = NULL;
}

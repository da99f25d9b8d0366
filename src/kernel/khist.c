// SPDX-License-Identifier: GPL-2.0-only
/*
 * The text of a hist file, parsed (kernel/trace/trace_events_hist.c prints it):
 *
 *   { id: sys_read                      [  0], common_pid: bash   [  1234] } hitcount:  9  ret:  10
 *   ...
 *   Totals:
 *       Hits: 60
 *       Entries: 16
 *       Dropped: 0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/kernel/khist.h"

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	return s;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

/* Whether a key "name: " starts at @p (what follows ", " between two keys). */
static bool key_starts(const char *p)
{
	const char *q = p;

	while (is_name_char(*q))
		q++;
	return q > p && q[0] == ':' && q[1] == ' ';
}

static void key_value(struct ks_khist_key *k, char *value)
{
	char *v = trim(value), *lb, *end;

	k->text = v;
	k->has_num = false;
	/* .syscall and .execname print the name, then the number in brackets. */
	lb = strrchr(v, '[');
	if (lb && v[strlen(v) - 1] == ']') {
		k->num = strtoull(trim(lb + 1), &end, 10);
		k->has_num = end != lb + 1;
		*lb = 0;
		k->text = trim(v);
		return;
	}
	/* .buckets=N prints "~ LOW-HIGH": the bucket is its low end. */
	if (v[0] == '~' && v[1] == ' ') {
		k->num = strtoull(v + 2, &end, 10);
		k->has_num = end != v + 2 && *end == '-';
		return;
	}
	if (*v) {
		k->num = strtoull(v, &end, 0);
		k->has_num = !*end;
	}
}

/* "{ k: v, k: v } hitcount: N  name: N ...": @line without its newline. */
static int parse_entry(char *line, struct ks_khist_entry *e)
{
	char *close = strstr(line, " } hitcount:"), *p, *next;

	if (!close)
		return -EBADMSG;
	*close = 0;
	p = line + 1;
	e->nkeys = 0;
	while (p && *p) {
		char *colon;

		while (*p == ' ')
			p++;
		/* The value runs to the next ", name: " (values may hold ", " themselves). */
		next = strstr(p, ", ");
		while (next && !key_starts(next + 2))
			next = strstr(next + 2, ", ");
		if (next)
			*next = 0;
		colon = strstr(p, ": ");
		if (!colon || e->nkeys == KS_KHIST_MAX_KEYS)
			return -EBADMSG;
		*colon = 0;
		e->key[e->nkeys].name = trim(p);
		key_value(&e->key[e->nkeys++], colon + 2);
		p = next ? next + 2 : NULL;
	}
	e->nvals = 0;
	for (p = close + 3; *p; ) {
		char *colon = strchr(p, ':'), *end;

		if (!colon || e->nvals == KS_KHIST_MAX_VALS)
			break;
		e->val[e->nvals++] = strtoull(colon + 1, &end, 10);
		if (end == colon + 1)
			return -EBADMSG;
		p = end;
	}
	return e->nvals ? 0 : -EBADMSG;
}

int ks_khist_parse(char *text, ks_khist_fn fn, void *arg, struct ks_khist_totals *tot)
{
	struct ks_khist_entry e;
	char *line = text, *nl;
	int ret;

	memset(tot, 0, sizeof(*tot));
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		char *t;

		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		t = trim(line);
		if (!*t || *t == '#' || !strcmp(t, "Totals:"))
			continue;
		if (!strncmp(t, "Hits:", 5))
			tot->hits = strtoull(t + 5, NULL, 10);
		else if (!strncmp(t, "Entries:", 8))
			tot->entries = strtoull(t + 8, NULL, 10);
		else if (!strncmp(t, "Dropped:", 8))
			tot->dropped = strtoull(t + 8, NULL, 10);
		else if (*t == '{') {
			ret = parse_entry(t, &e);
			if (!ret)
				ret = fn(arg, &e);
			if (ret)
				return ret;
		} else {
			return -EBADMSG;
		}
	}
	return 0;
}

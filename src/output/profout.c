// SPDX-License-Identifier: GPL-2.0-only
/* Frame names, UTF-8 checks and growing arrays for the profile writers. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "kscope/output/profout.h"

/*
 * A frame's function, or for an address without one: "<binary>+0x<file offset>"
 * (like an address in `objdump -d` of a PIE or library), or with @group
 * "[<binary>]", one name for all of the binary's unresolved addresses.
 */
static const char *frame_name(const struct ks_prof_loc *l, unsigned int i, bool group, char *buf)
{
	const struct ks_prof_map *m = l->map;
	const char *base;

	if (i < l->sym.nlines && l->sym.lines[i].func)
		return l->sym.lines[i].func;
	if (!m || !m->path)
		return "[unknown]";
	if (group && m->path[0] == '[')
		return m->path;
	base = strrchr(m->path, '/');
	base = base && base[1] ? base + 1 : m->path;
	if (group)
		snprintf(buf, KS_PROFOUT_NAME_MAX, "[%.290s]", base);
	else
		snprintf(buf, KS_PROFOUT_NAME_MAX, "%.290s+0x%" PRIx64, base,
			 m->pgoff + (l->addr - m->start));
	return buf;
}

const char *ks_profout_name(const struct ks_prof_loc *l, unsigned int i, char *buf)
{
	return frame_name(l, i, false, buf);
}

const char *ks_profout_group_name(const struct ks_prof_loc *l, unsigned int i, char *buf)
{
	return frame_name(l, i, true, buf);
}

size_t ks_profout_utf8_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates and > U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int ks_profout_utf8_valid(const char *s)
{
	size_t n = strlen(s), len;

	for (; n; s += len, n -= len) {
		len = ks_profout_utf8_len(s, n);
		if (!len)
			return 0;
	}
	return 1;
}

int ks_profout_utf8_fix(struct ks_buf *b, const char *s)
{
	size_t n = strlen(s), len;

	while (n) {
		len = ks_profout_utf8_len(s, n);
		if (ks_buf_add(b, len ? s : "\xef\xbf\xbd", len ? len : 3))
			return -ENOMEM;
		len = len ? len : 1;
		s += len;
		n -= len;
	}
	return 0;
}

int ks_profout_grow(void *arrp, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *old, *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	/* Through memcpy: the pointer at @arrp has its own type, not void *. */
	memcpy(&old, arrp, sizeof(old));
	q = realloc(old, n * size);
	if (!q)
		return -ENOMEM;
	memset((char *)q + *cap * size, 0, (n - *cap) * size);
	memcpy(arrp, &q, sizeof(q));
	*cap = n;
	return 0;
}

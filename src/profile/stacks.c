// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stack profiles: a trie of frames with weights, built from folded text or by the
 * profiler, rewritten (filters, reverse), merged into a differential profile, and
 * written back as folded text or walked by the flame graph writer.
 *
 * Frame names are interned once in a string arena; trie nodes live in one array
 * (node 0 is the root) and are found by an open-addressing hash table keyed by
 * (parent, name). Nothing here recurses, so any stack depth is fine.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/profile/stacks.h"

#define NONE		UINT32_MAX
#define MAX_NODES	(UINT32_MAX / 2)
#define FLUSH_AT	(1 << 16)

struct node {
	uint32_t parent;
	uint32_t name;
	uint64_t total, self;
	uint64_t base_total, base_self;
};

struct ks_stacks {
	struct node *nodes;
	uint32_t nnodes, nodes_cap;
	uint32_t *node_ht;		/* node index, 0 = free (the root is never in it) */
	size_t node_ht_size;		/* a power of two */

	char *strs;			/* NUL-terminated names, one after the other */
	size_t strs_len, strs_cap;
	size_t *name_off;
	uint32_t *name_hash;
	uint32_t nnames, names_cap;
	uint32_t *name_ht;		/* name id + 1, 0 = free */
	size_t name_ht_size;

	int diff;
};

struct ks_stacks *ks_stacks_new(void)
{
	struct ks_stacks *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->nodes_cap = 1024;
	s->nodes = calloc(s->nodes_cap, sizeof(*s->nodes));
	s->node_ht_size = 2048;
	s->node_ht = calloc(s->node_ht_size, sizeof(*s->node_ht));
	s->names_cap = 256;
	s->name_off = malloc(s->names_cap * sizeof(*s->name_off));
	s->name_hash = malloc(s->names_cap * sizeof(*s->name_hash));
	s->name_ht_size = 512;
	s->name_ht = calloc(s->name_ht_size, sizeof(*s->name_ht));
	if (!s->nodes || !s->node_ht || !s->name_off || !s->name_hash || !s->name_ht) {
		ks_stacks_free(s);
		return NULL;
	}
	s->nodes[0].parent = NONE;
	s->nodes[0].name = NONE;
	s->nnodes = 1;
	return s;
}

void ks_stacks_free(struct ks_stacks *s)
{
	if (!s)
		return;
	free(s->nodes);
	free(s->node_ht);
	free(s->strs);
	free(s->name_off);
	free(s->name_hash);
	free(s->name_ht);
	free(s);
}

static const char *name_of(const struct ks_stacks *s, uint32_t id)
{
	return s->strs + s->name_off[id];
}

static int name_grow_table(struct ks_stacks *s)
{
	size_t size = s->name_ht_size * 2, i, j;
	uint32_t *ht = calloc(size, sizeof(*ht));

	if (!ht)
		return -ENOMEM;
	for (i = 0; i < s->nnames; i++) {
		for (j = s->name_hash[i] & (size - 1); ht[j]; j = (j + 1) & (size - 1))
			;
		ht[j] = (uint32_t)i + 1;
	}
	free(s->name_ht);
	s->name_ht = ht;
	s->name_ht_size = size;
	return 0;
}

/* The id of a frame name, added to the arena the first time it is seen. */
static int intern(struct ks_stacks *s, const char *p, size_t len, uint32_t *id)
{
	uint32_t h = (uint32_t)ks_hash_bytes(p, len);
	size_t j, mask = s->name_ht_size - 1;
	uint32_t e;

	for (j = h & mask; (e = s->name_ht[j]); j = (j + 1) & mask) {
		const char *n = s->strs + s->name_off[e - 1];

		if (s->name_hash[e - 1] == h && !memcmp(n, p, len) && n[len] == '\0') {
			*id = e - 1;
			return 0;
		}
	}
	if (s->nnames >= MAX_NODES)
		return -ENOMEM;
	if (s->nnames == s->names_cap) {
		uint32_t cap = s->names_cap * 2;
		size_t *off = realloc(s->name_off, cap * sizeof(*off));
		uint32_t *hs;

		if (!off)
			return -ENOMEM;
		s->name_off = off;
		hs = realloc(s->name_hash, cap * sizeof(*hs));
		if (!hs)
			return -ENOMEM;
		s->name_hash = hs;
		s->names_cap = cap;
	}
	if (s->strs_len + len + 1 > s->strs_cap) {
		size_t cap = s->strs_cap ? s->strs_cap : 4096;
		char *n;

		while (cap < s->strs_len + len + 1)
			cap *= 2;
		n = realloc(s->strs, cap);
		if (!n)
			return -ENOMEM;
		s->strs = n;
		s->strs_cap = cap;
	}
	memcpy(s->strs + s->strs_len, p, len);
	s->strs[s->strs_len + len] = '\0';
	s->name_off[s->nnames] = s->strs_len;
	s->name_hash[s->nnames] = h;
	s->strs_len += len + 1;
	s->name_ht[j] = s->nnames + 1;
	*id = s->nnames++;
	if (s->nnames * 2 >= s->name_ht_size)
		return name_grow_table(s);
	return 0;
}

static int node_grow_table(struct ks_stacks *s)
{
	size_t size = s->node_ht_size * 2, j;
	uint32_t *ht = calloc(size, sizeof(*ht));
	uint32_t i;

	if (!ht)
		return -ENOMEM;
	for (i = 1; i < s->nnodes; i++) {
		j = ks_hash_u64((uint64_t)s->nodes[i].parent << 32 | s->nodes[i].name) & (size - 1);
		for (; ht[j]; j = (j + 1) & (size - 1))
			;
		ht[j] = i;
	}
	free(s->node_ht);
	s->node_ht = ht;
	s->node_ht_size = size;
	return 0;
}

static uint32_t find_child(const struct ks_stacks *s, uint32_t parent, uint32_t name,
			   size_t *slot)
{
	size_t j, mask = s->node_ht_size - 1;
	uint32_t e;

	for (j = ks_hash_u64((uint64_t)parent << 32 | name) & mask; (e = s->node_ht[j]); j = (j + 1) & mask)
		if (s->nodes[e].parent == parent && s->nodes[e].name == name)
			return e;
	if (slot)
		*slot = j;
	return NONE;
}

/* The child @name of @parent, created with no weight if it is new. */
static int child(struct ks_stacks *s, uint32_t parent, uint32_t name, uint32_t *out)
{
	size_t slot = 0;
	uint32_t e = find_child(s, parent, name, &slot);

	if (e != NONE) {
		*out = e;
		return 0;
	}
	if (s->nnodes >= MAX_NODES)
		return -ENOMEM;
	if (s->nnodes == s->nodes_cap) {
		struct node *n = realloc(s->nodes, 2 * s->nodes_cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->nodes = n;
		s->nodes_cap *= 2;
	}
	e = s->nnodes++;
	memset(&s->nodes[e], 0, sizeof(s->nodes[e]));
	s->nodes[e].parent = parent;
	s->nodes[e].name = name;
	s->node_ht[slot] = e;
	*out = e;
	if ((size_t)s->nnodes * 2 >= s->node_ht_size)
		return node_grow_table(s);
	return 0;
}

static int fits(const struct ks_stacks *s, uint64_t base, uint64_t weight)
{
	return s->nodes[0].total + weight >= weight &&
	       s->nodes[0].base_total + base >= base;
}

/* Add the weights to @leaf and everything above it (fits() was checked). */
static void add_weights(struct ks_stacks *s, uint32_t leaf, uint64_t base, uint64_t weight)
{
	uint32_t i;

	s->nodes[leaf].self += weight;
	s->nodes[leaf].base_self += base;
	for (i = leaf; i != NONE; i = s->nodes[i].parent) {
		s->nodes[i].total += weight;
		s->nodes[i].base_total += base;
	}
}

static int add_strings(struct ks_stacks *s, const char *const *frames, size_t n,
		       uint64_t base, uint64_t weight, struct ks_err *err)
{
	uint32_t cur = 0, id;
	size_t i;
	int ret;

	if (!n)
		return ks_err_set(err, -EINVAL, "a stack needs at least one frame");
	if (!fits(s, base, weight))
		return ks_err_set(err, -EOVERFLOW, "the weights add up to more than 2^64");
	for (i = 0; i < n; i++) {
		const char *f = frames[i] ? frames[i] : "";

		ret = intern(s, f, strlen(f), &id);
		if (!ret)
			ret = child(s, cur, id, &cur);
		if (ret)
			return ks_err_set(err, ret, "out of memory for the stack profile");
	}
	add_weights(s, cur, base, weight);
	return 0;
}

int ks_stacks_add(struct ks_stacks *s, const char *const *frames, size_t n, uint64_t weight,
		  struct ks_err *err)
{
	return add_strings(s, frames, n, weight, weight, err);
}

int ks_stacks_add_diff(struct ks_stacks *s, const char *const *frames, size_t n,
		       uint64_t base, uint64_t weight, struct ks_err *err)
{
	s->diff = 1;
	return add_strings(s, frames, n, base, weight, err);
}

/* Folded text. */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void bad_line(struct ks_folded_report *rep, uint64_t lineno, const char *why,
		     const char *tok, size_t toklen)
{
	size_t n, i;

	rep->bad++;
	if (rep->first_bad)
		return;
	rep->first_bad = lineno;
	n = (size_t)snprintf(rep->why, sizeof(rep->why), "%s", why);
	if (!tok || n + 4 >= sizeof(rep->why))
		return;
	/* Quote the culprit, shortened, with anything unprintable as '?'. */
	rep->why[n++] = ' ';
	rep->why[n++] = '\'';
	for (i = 0; i < toklen && n + 5 < sizeof(rep->why); i++)
		rep->why[n++] = isprint((unsigned char)tok[i]) ? tok[i] : '?';
	if (i < toklen) {
		memcpy(rep->why + n - 3, "...", 3);
	}
	rep->why[n++] = '\'';
	rep->why[n] = '\0';
}

/* A whole decimal number: 1 ok, 0 not a number, -1 too large. */
static int parse_count(const char *p, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned int d = (unsigned char)p[i] - '0';

		if (d > 9)
			return 0;
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 1;
}

/* Whether a token that is not a count was meant as one ("12x", "1.5", "-3"). */
static int looks_numeric(const char *p, size_t len)
{
	return len && ((p[0] >= '0' && p[0] <= '9') || p[0] == '-' || p[0] == '+' ||
		       p[0] == '.');
}

/* The last whitespace-separated token of p[0..end): its start. */
static size_t token_start(const char *p, size_t end)
{
	while (end > 0 && !is_space(p[end - 1]))
		end--;
	return end;
}

static size_t strip_end(const char *p, size_t end)
{
	while (end > 0 && is_space(p[end - 1]))
		end--;
	return end;
}

static int parse_line(struct ks_stacks *s, const char *p, size_t len, uint64_t lineno,
		      struct ks_folded_report *rep)
{
	uint64_t count, base;
	size_t end, tok, stack_end, tok2, start, i;
	uint32_t cur = 0, id;
	int r, two = 0, ret;

	end = strip_end(p, len);
	if (!end)
		return 0;
	rep->lines++;
	if (memchr(p, '\0', end)) {
		bad_line(rep, lineno, "NUL byte in the line", NULL, 0);
		return 0;
	}
	tok = token_start(p, end);
	r = parse_count(p + tok, end - tok, &count);
	if (r == 0 && (!tok || !looks_numeric(p + tok, end - tok))) {
		bad_line(rep, lineno, "no count", NULL, 0);
		return 0;
	}
	if (r == 0) {
		bad_line(rep, lineno, "bad count", p + tok, end - tok);
		return 0;
	}
	if (r < 0) {
		bad_line(rep, lineno, "count too large", p + tok, end - tok);
		return 0;
	}
	stack_end = strip_end(p, tok);
	base = count;
	/* "stack COUNT1 COUNT2": difffolded.pl's output. */
	tok2 = token_start(p, stack_end);
	if (tok2 > 0 && strip_end(p, tok2) > 0) {
		r = parse_count(p + tok2, stack_end - tok2, &base);
		if (r < 0) {
			bad_line(rep, lineno, "count too large", p + tok2, stack_end - tok2);
			return 0;
		}
		if (r > 0) {
			two = 1;
			stack_end = strip_end(p, tok2);
		} else {
			base = count;
		}
	}
	/* Trailing empty frames are dropped, like Perl's split. */
	while (stack_end > 0 && p[stack_end - 1] == ';')
		stack_end--;
	if (!stack_end) {
		bad_line(rep, lineno, "no frames before the count", NULL, 0);
		return 0;
	}
	if (!fits(s, base, count)) {
		bad_line(rep, lineno, "counts add up to more than 2^64", NULL, 0);
		return 0;
	}
	for (start = 0, i = 0; i <= stack_end; i++) {
		if (i < stack_end && p[i] != ';')
			continue;
		ret = intern(s, p + start, i - start, &id);
		if (!ret)
			ret = child(s, cur, id, &cur);
		if (ret)
			return ret;
		start = i + 1;
	}
	if (two)
		s->diff = 1;
	add_weights(s, cur, base, count);
	rep->stacks++;
	return 0;
}

int ks_stacks_parse_folded(struct ks_stacks *s, const char *text, size_t len,
			   struct ks_folded_report *rep, struct ks_err *err)
{
	uint64_t lineno = 0;
	size_t pos = 0;
	int ret;

	memset(rep, 0, sizeof(*rep));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		ret = parse_line(s, text + pos, n, ++lineno, rep);
		if (ret)
			return ks_err_set(err, ret, "line %llu: out of memory for the profile",
					  (unsigned long long)lineno);
		pos += n + 1;
	}
	return 0;
}

/* Queries. */

int ks_stacks_lookup(const struct ks_stacks *s, const char *const *frames, size_t n,
		     struct ks_stacks_weight *w)
{
	uint32_t cur = 0, id, e;
	size_t i, j, mask = s->name_ht_size - 1;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < n; i++) {
		const char *f = frames[i] ? frames[i] : "";
		size_t len = strlen(f);
		uint32_t h = (uint32_t)ks_hash_bytes(f, len);

		id = NONE;
		for (j = h & mask; (e = s->name_ht[j]); j = (j + 1) & mask) {
			if (s->name_hash[e - 1] == h && !strcmp(name_of(s, e - 1), f)) {
				id = e - 1;
				break;
			}
		}
		if (id == NONE)
			return -ENOENT;
		cur = find_child(s, cur, id, NULL);
		if (cur == NONE)
			return -ENOENT;
	}
	w->total = s->nodes[cur].total;
	w->self = s->nodes[cur].self;
	w->base_total = s->nodes[cur].base_total;
	w->base_self = s->nodes[cur].base_self;
	return 0;
}

uint64_t ks_stacks_total(const struct ks_stacks *s)
{
	return s->nodes[0].total;
}

uint64_t ks_stacks_base_total(const struct ks_stacks *s)
{
	return s->nodes[0].base_total;
}

size_t ks_stacks_count(const struct ks_stacks *s)
{
	return s->nnodes - 1;
}

int ks_stacks_is_diff(const struct ks_stacks *s)
{
	return s->diff;
}

int ks_stacks_frame_is_kernel(const char *name)
{
	size_t len = strlen(name);

	return len >= 4 && !strcmp(name + len - 4, "_[k]");
}

/* The name ids of @leaf's stack, root first, into @ids (grown as needed). */
static int path_of(const struct ks_stacks *s, uint32_t leaf, uint32_t **ids, size_t *cap,
		   size_t *n)
{
	size_t depth = 0, k;
	uint32_t i;

	for (i = leaf; i != 0; i = s->nodes[i].parent)
		depth++;
	if (depth > *cap) {
		uint32_t *p = realloc(*ids, depth * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*ids = p;
		*cap = depth;
	}
	k = depth;
	for (i = leaf; i != 0; i = s->nodes[i].parent)
		(*ids)[--k] = s->nodes[i].name;
	*n = depth;
	return 0;
}

/* Add the stack of @src's node @leaf, by names, to @dst with the given weights. */
static int copy_stack(struct ks_stacks *dst, const struct ks_stacks *src, const uint32_t *ids,
		      size_t n, uint64_t base, uint64_t weight, struct ks_err *err)
{
	uint32_t cur = 0, id;
	size_t i;
	int ret;

	if (!fits(dst, base, weight))
		return ks_err_set(err, -EOVERFLOW, "the weights add up to more than 2^64");
	for (i = 0; i < n; i++) {
		const char *f = name_of(src, ids[i]);

		ret = intern(dst, f, strlen(f), &id);
		if (!ret)
			ret = child(dst, cur, id, &cur);
		if (ret)
			return ks_err_set(err, ret, "out of memory for the stack profile");
	}
	add_weights(dst, cur, base, weight);
	return 0;
}

int ks_stacks_transform(const struct ks_stacks *in, unsigned int flags,
			struct ks_stacks **out, struct ks_err *err)
{
	struct ks_stacks *s;
	uint32_t *ids = NULL, i, t;
	size_t cap = 0, n, k, m;
	int ret = 0;

	*out = NULL;
	if ((flags & KS_STACKS_KERNEL_ONLY) && (flags & KS_STACKS_USER_ONLY))
		return ks_err_set(err, -EINVAL, "kernel-only and user-only exclude each other");
	s = ks_stacks_new();
	if (!s)
		return ks_err_set(err, -ENOMEM, "out of memory for the stack profile");
	s->diff = in->diff;
	for (i = 1; i < in->nnodes; i++) {
		const struct node *nd = &in->nodes[i];

		if (!nd->self && !nd->base_self)
			continue;
		ret = path_of(in, i, &ids, &cap, &n);
		if (ret) {
			ks_err_set(err, ret, "out of memory for the stack profile");
			goto out_free;
		}
		for (k = 0, m = 0; k < n; k++) {
			int kern = ks_stacks_frame_is_kernel(name_of(in, ids[k]));

			if ((flags & KS_STACKS_KERNEL_ONLY) && !kern)
				continue;
			if ((flags & KS_STACKS_USER_ONLY) && kern)
				continue;
			ids[m++] = ids[k];
		}
		if (!m)
			continue;
		if (flags & KS_STACKS_REVERSE) {
			for (k = 0; k < m / 2; k++) {
				t = ids[k];
				ids[k] = ids[m - 1 - k];
				ids[m - 1 - k] = t;
			}
		}
		ret = copy_stack(s, in, ids, m, nd->base_self, nd->self, err);
		if (ret)
			goto out_free;
	}
	free(ids);
	*out = s;
	return 0;

out_free:
	free(ids);
	ks_stacks_free(s);
	return ret;
}

/* a * b / c, rounded down, without overflow for a <= c. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
#ifdef __SIZEOF_INT128__
	return (uint64_t)((unsigned __int128)a * b / c);
#else
	uint64_t q = a / c, r = a % c;

	/* a * b / c = q * b + r * b / c; r * b / c in long double is exact enough here. */
	return q * b + (uint64_t)((long double)r * b / c);
#endif
}

/*
 * Every stack of @from into @s: with its weight as the weight (@as_base false), or as
 * the base weight scaled by @num / @den (@den 0: unscaled).
 */
static int copy_all(struct ks_stacks *s, const struct ks_stacks *from, bool as_base,
		    uint64_t num, uint64_t den, struct ks_err *err)
{
	uint32_t *ids = NULL, i;
	size_t cap = 0, n;
	uint64_t w;
	int ret = 0;

	for (i = 1; !ret && i < from->nnodes; i++) {
		w = from->nodes[i].self;
		if (!w)
			continue;
		if (den && num != den)
			w = mul_div(w, num, den);
		ret = path_of(from, i, &ids, &cap, &n);
		if (ret)
			ks_err_set(err, ret, "out of memory for the stack profile");
		else
			ret = copy_stack(s, from, ids, n, as_base ? w : 0, as_base ? 0 : w, err);
	}
	free(ids);
	return ret;
}

int ks_stacks_diff(const struct ks_stacks *base, const struct ks_stacks *cur, int normalize,
		   struct ks_stacks **out, struct ks_err *err)
{
	uint64_t bt = base->nodes[0].total, ct = cur->nodes[0].total;
	struct ks_stacks *s;
	int ret;

	*out = NULL;
	if (normalize && !bt)
		return ks_err_set(err, -EINVAL, "the base profile has no samples to normalize");
	s = ks_stacks_new();
	if (!s)
		return ks_err_set(err, -ENOMEM, "out of memory for the stack profile");
	s->diff = 1;
	ret = copy_all(s, cur, false, 0, 0, err) ?:
	      copy_all(s, base, true, ct, normalize ? bt : 0, err);
	if (ret) {
		ks_stacks_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

/* Output. */

static int flush(struct ks_buf *b, int fd, size_t at)
{
	int ret;

	if (b->len < at)
		return 0;
	ret = ks_write_all(fd, b->data, b->len);
	b->len = 0;
	return ret;
}

struct line {
	size_t off;			/* of the key, while the keys buffer may move */
	const char *key;
	uint32_t node;
};

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->key, ((const struct line *)b)->key);
}

int ks_stacks_write_folded(const struct ks_stacks *s, int fd, struct ks_err *err)
{
	struct ks_buf keys = { 0 }, out = { 0 };
	struct line *lines = NULL;
	uint32_t *ids = NULL, i;
	size_t cap = 0, n, k, nlines = 0, lines_cap = 0;
	int ret = 0;

	for (i = 1; i < s->nnodes; i++) {
		const struct node *nd = &s->nodes[i];

		if (!nd->self && !(s->diff && nd->base_self))
			continue;
		ret = path_of(s, i, &ids, &cap, &n);
		if (!ret && nlines == lines_cap) {
			struct line *l;

			lines_cap = lines_cap ? 2 * lines_cap : 1024;
			l = realloc(lines, lines_cap * sizeof(*l));
			if (!l)
				ret = -ENOMEM;
			else
				lines = l;
		}
		if (ret)
			goto out_nomem;
		lines[nlines].off = keys.len;
		lines[nlines++].node = i;
		for (k = 0; k < n && !ret; k++) {
			const char *f = name_of(s, ids[k]);
			size_t start, j;

			if (k)
				ret = ks_buf_add(&keys, ";", 1);
			start = keys.len;
			if (!ret)
				ret = ks_buf_add(&keys, f, strlen(f));
			for (j = start; !ret && j < keys.len; j++) {
				if (keys.data[j] == ';')
					keys.data[j] = ':';
				else if (keys.data[j] == '\n' || keys.data[j] == '\r')
					keys.data[j] = ' ';
			}
		}
		if (!ret)
			ret = ks_buf_add(&keys, "", 1);	/* the NUL between keys */
		if (ret)
			goto out_nomem;
	}
	for (k = 0; k < nlines; k++)
		lines[k].key = keys.data + lines[k].off;
	if (nlines)
		qsort(lines, nlines, sizeof(*lines), cmp_line);
	for (k = 0; k < nlines && !ret; k++) {
		const struct node *nd = &s->nodes[lines[k].node];

		if (s->diff)
			ret = ks_buf_addf(&out, "%s %llu %llu\n", lines[k].key,
					  (unsigned long long)nd->base_self,
					  (unsigned long long)nd->self);
		else
			ret = ks_buf_addf(&out, "%s %llu\n", lines[k].key,
					  (unsigned long long)nd->self);
		if (ret)
			goto out_nomem;
		ret = flush(&out, fd, FLUSH_AT);
	}
	if (!ret)
		ret = flush(&out, fd, 0);
	if (ret)
		ks_err_set(err, ret, "write: %s", strerror(-ret));
	goto out_free;

out_nomem:
	ret = ks_err_set(err, -ENOMEM, "out of memory writing folded stacks");
out_free:
	free(ids);
	free(lines);
	ks_buf_free(&keys);
	ks_buf_free(&out);
	return ret;
}

/* The walk. */

struct kid {
	const char *name;
	uint32_t node;
};

static int cmp_kid(const void *a, const void *b)
{
	return strcmp(((const struct kid *)a)->name, ((const struct kid *)b)->name);
}

struct level {
	uint32_t node;
	uint32_t pos;			/* next child in kids[] */
	uint64_t off;			/* offset of that child */
};

int ks_stacks_walk(const struct ks_stacks *s,
		   int (*cb)(const struct ks_stacks_frame *f, void *arg), void *arg)
{
	uint32_t *start = NULL, *fill = NULL, i, n = s->nnodes;
	struct level *stack = NULL;
	struct kid *kids = NULL;
	size_t sp = 0, stack_cap = 64;
	int ret = 0;

	start = calloc((size_t)n + 1, sizeof(*start));
	fill = calloc((size_t)n + 1, sizeof(*fill));
	kids = malloc(((size_t)n + 1) * sizeof(*kids));
	stack = malloc(stack_cap * sizeof(*stack));
	if (!start || !fill || !kids || !stack) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* Children of node i are kids[start[i] .. start[i + 1]), sorted by name. */
	for (i = 1; i < n; i++)
		start[s->nodes[i].parent + 1]++;
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	memcpy(fill, start, ((size_t)n + 1) * sizeof(*fill));
	for (i = 1; i < n; i++) {
		struct kid *k = &kids[fill[s->nodes[i].parent]++];

		k->name = name_of(s, s->nodes[i].name);
		k->node = i;
	}
	for (i = 0; i < n; i++)
		if (start[i + 1] - start[i] > 1)
			qsort(kids + start[i], start[i + 1] - start[i], sizeof(*kids), cmp_kid);

	stack[sp++] = (struct level){ 0, start[0], 0 };
	while (sp) {
		struct level *top = &stack[sp - 1];
		struct ks_stacks_frame f;
		const struct node *nd;
		uint32_t c;

		if (top->pos == start[top->node + 1]) {
			sp--;
			continue;
		}
		c = kids[top->pos++].node;
		nd = &s->nodes[c];
		f.name = name_of(s, nd->name);
		f.depth = (unsigned int)sp;
		f.offset = top->off;
		f.w.total = nd->total;
		f.w.self = nd->self;
		f.w.base_total = nd->base_total;
		f.w.base_self = nd->base_self;
		top->off += nd->total;
		ret = cb(&f, arg);
		if (ret < 0)
			goto out_free;
		if (ret > 0 || start[c] == start[c + 1])
			continue;
		if (sp == stack_cap) {
			struct level *l = realloc(stack, 2 * stack_cap * sizeof(*l));

			if (!l) {
				ret = -ENOMEM;
				goto out_free;
			}
			stack = l;
			stack_cap *= 2;
		}
		stack[sp++] = (struct level){ c, start[c], f.offset };
	}
	ret = 0;
out_free:
	free(start);
	free(fill);
	free(kids);
	free(stack);
	return ret;
}

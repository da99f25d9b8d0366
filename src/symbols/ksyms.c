// SPDX-License-Identifier: GPL-2.0-only
/*
 * kallsyms indexing: one 16-byte entry per symbol, sorted by address, pointing
 * into the unchanged text. A kernel has a hundred thousand symbols and a profile
 * looks up a few hundred, so names are copied out on first lookup only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kscope/base/keysort.h"
#include "kscope/symbols/ksyms.h"

/*
 * A kernel symbol without a size reaches the next one; when the next one belongs to
 * another module (or there is none) the gap says nothing, so stop after this much.
 */
#define KSYM_MAX_TAIL		(128 * 1024)
#define KSYM_NO_NAME		UINT32_MAX

struct ksym {
	uint64_t addr;
	/* offset in the text; KSYM_NO_NAME: not text, it only ends the symbol before it */
	uint32_t name;
	uint16_t module;		/* 0: the kernel itself, else mods[module - 1] */
	uint8_t rank;			/* among equal addresses the lowest wins */
};

struct ks_ksyms {
	const char *text;
	size_t len;
	char *owned;			/* the text when it was handed over */
	void *map;			/* the text's mapping when it was mapped */
	size_t map_len;
	struct ksym *syms;
	size_t n;
	char **mods;			/* module names, NUL-terminated copies */
	size_t nmods;
	uint64_t *lo, *hi;		/* [0]: the kernel's function range, [m]: mods[m - 1]'s */
	struct ks_sym_line *lines;	/* lookup results, [n], filled on demand */
	uint32_t *filled;		/* which of them are (freeing touches only those) */
	size_t nfilled, filled_cap;
};

/* A hex digit's value plus one; 0 for anything else. */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The first blank or CR at or after @p, else @le: memchr is several times faster than a loop. */
static const char *name_end(const char *p, const char *le)
{
	static const char stops[] = " \t\r";
	const char *c, *hit;

	for (c = stops; *c; c++) {
		hit = memchr(p, *c, le - p);
		if (hit)
			le = hit;
	}
	return le;
}

/* Text symbols have names; everything else only ends the text symbol before it. */
static int ksym_rank(char type)
{
	switch (type) {
	case 'T': case 'W':
		return 0;
	case 't': case 'w':
		return 1;
	default:
		return 2;
	}
}

/*
 * kallsyms is in address order but for the modules, which come last: sort only
 * what follows the longest sorted head, then merge the two. Equal addresses keep
 * the text's order.
 */
static int ksym_sort(struct ksym *k, size_t n)
{
	size_t head = 1, i, j, o, nt;
	struct ks_sortkey *keys;
	struct ksym *tail;

	while (head < n && k[head - 1].addr <= k[head].addr)
		head++;
	if (head == n)
		return 0;
	nt = n - head;
	tail = malloc(nt * sizeof(*tail));
	keys = malloc(nt * sizeof(*keys));
	if (!tail || !keys)
		goto out_nomem;
	for (i = 0; i < nt; i++)
		keys[i] = (struct ks_sortkey){ k[head + i].addr, i };
	if (ks_keysort(keys, nt))
		goto out_nomem;
	for (i = 0; i < nt; i++)
		tail[i] = k[head + keys[i].tie];
	/* Merge from the back: the head's end is where the result's end goes. */
	i = head, j = nt, o = n;
	while (j > 0) {
		if (i > 0 && k[i - 1].addr > tail[j - 1].addr)
			k[--o] = k[--i];
		else
			k[--o] = tail[--j];
	}
	free(keys);
	free(tail);
	return 0;
out_nomem:
	free(keys);
	free(tail);
	return -ENOMEM;
}

/* The number of module @name (1-based), added if new; 0 when out of memory or numbers. */
static uint16_t module_id(struct ks_ksyms *k, const char *name, size_t len)
{
	char **nm;
	size_t i;

	for (i = k->nmods; i > 0; i--)
		if (!strncmp(k->mods[i - 1], name, len) && !k->mods[i - 1][len])
			return (uint16_t)i;
	if (k->nmods >= UINT16_MAX)
		return 0;
	nm = realloc(k->mods, (k->nmods + 1) * sizeof(*nm));
	if (!nm)
		return 0;
	k->mods = nm;
	if (!(k->mods[k->nmods] = strndup(name, len)))
		return 0;
	return (uint16_t)++k->nmods;
}

/* One line: "addr type name" [ws "[module]"]; false for anything else. */
static bool parse_line(const char *p, const char *le, uint64_t *addr, char *type,
		       const char **name, const char **mod, size_t *mod_len)
{
	int digits = 0, v;

	*addr = 0;
	*mod = NULL;
	for (; p < le && (v = hex1[(uint8_t)*p]); p++, digits++)
		*addr = *addr << 4 | (uint64_t)(v - 1);
	if (!digits || digits > 16 || p >= le || (*p != ' ' && *p != '\t'))
		return false;
	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= le)
		return false;
	*type = *p++;
	if (p >= le || (*p != ' ' && *p != '\t'))
		return false;
	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	*name = p;
	/* absolute and undefined symbols are no code */
	if (p == le || *p == '\r' || !*addr || (*type | 0x20) == 'a' || (*type | 0x20) == 'u')
		return false;
	/*
	 * "[module]" ends the line, after a blank: no symbol name has a "[" (the name's
	 * end is found on lookup, so the core kernel's lines are not scanned further).
	 */
	if (le[-1] == '\r')
		le--;
	if (le > p && le[-1] == ']') {
		const char *open = memrchr(p, '[', (size_t)(le - p));

		if (open && (open[-1] == ' ' || open[-1] == '\t')) {
			*mod = open + 1;
			*mod_len = (size_t)(le - 1 - open - 1);
		}
	}
	return true;
}

/* The lowest and highest function address of the kernel and of each module, once. */
static int module_ranges(struct ks_ksyms *k)
{
	size_t i;

	k->lo = malloc((k->nmods + 1) * sizeof(*k->lo));
	k->hi = calloc(k->nmods + 1, sizeof(*k->hi));
	if (!k->lo || !k->hi)
		return -ENOMEM;
	for (i = 0; i <= k->nmods; i++)
		k->lo[i] = UINT64_MAX;
	for (i = 0; i < k->n; i++) {
		const struct ksym *s = &k->syms[i];

		if (s->name == KSYM_NO_NAME)
			continue;
		if (s->addr < k->lo[s->module])
			k->lo[s->module] = s->addr;
		if (s->addr > k->hi[s->module])
			k->hi[s->module] = s->addr;
	}
	return 0;
}

static int index_text(struct ks_ksyms *k)
{
	const char *p = k->text, *end = p + k->len, *last_mod = NULL;
	size_t cap = 0, ntext = 0, i, j, last_len = 0;
	uint64_t last = 0;
	uint16_t mod_id = 0;
	bool sorted = true;

	if (k->len >= KSYM_NO_NAME)
		return -EFBIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *le = nl ? nl : end;
		const char *name, *mod;
		size_t mod_len = 0;
		uint64_t addr;
		struct ksym *s;
		char type;

		if (!parse_line(p, le, &addr, &type, &name, &mod, &mod_len))
			goto next;
		if (k->n == cap) {
			struct ksym *ns;

			cap = cap ? cap * 2 : 4096 + k->len / 32;	/* ~40 bytes a line */
			ns = realloc(k->syms, cap * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			k->syms = ns;
		}
		s = &k->syms[k->n];
		s->addr = addr;
		s->rank = (uint8_t)ksym_rank(type);
		s->name = s->rank < 2 ? (uint32_t)(name - k->text) : KSYM_NO_NAME;
		/* a module's symbols come together: look its name up when it changes */
		if (mod && (!last_mod || mod_len != last_len || memcmp(mod, last_mod, mod_len))) {
			mod_id = module_id(k, mod, mod_len);
			if (!mod_id)
				return -ENOMEM;
		}
		last_mod = mod;
		last_len = mod_len;
		s->module = mod ? mod_id : 0;
		ntext += s->rank < 2;
		sorted = sorted && addr >= last;
		last = addr;
		k->n++;
next:
		p = nl ? nl + 1 : end;
	}
	if (!ntext)
		k->n = 0;	/* kptr_restrict: nothing usable */
	if (!sorted && k->n && ksym_sort(k->syms, k->n))
		return -ENOMEM;
	/* One entry per address: text over the rest, global over local, then the first. */
	for (i = 0, j = 0; i < k->n; i++) {
		if (j && k->syms[j - 1].addr == k->syms[i].addr) {
			if (k->syms[i].rank < k->syms[j - 1].rank)
				k->syms[j - 1] = k->syms[i];
			continue;
		}
		k->syms[j++] = k->syms[i];
	}
	k->n = j;
	return module_ranges(k);
}

/* Indexes @text in @k (which owns or maps it): *out = @k, or @k is freed. */
static int index_into(struct ks_ksyms *k, const char *text, size_t len, struct ks_ksyms **out)
{
	int ret;

	k->text = text;
	k->len = len;
	ret = index_text(k);
	if (ret) {
		ks_ksyms_free(k);
		return ret;
	}
	*out = k;
	return 0;
}

int ks_ksyms_from_text(struct ks_ksyms **out, char *text, size_t len)
{
	struct ks_ksyms *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k) {
		free(text);
		return -ENOMEM;
	}
	k->owned = text;
	return index_into(k, text, len, out);
}

int ks_ksyms_from_file(struct ks_ksyms **out, int fd, uint64_t off, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = off & ~(uint64_t)(page > 0 ? page - 1 : 4095);
	struct ks_ksyms *k;
	void *map;

	*out = NULL;
	if (!len)
		return ks_ksyms_from_text(out, NULL, 0);
	map = mmap(NULL, len + (off - start), PROT_READ, MAP_PRIVATE, fd, (off_t)start);
	if (map == MAP_FAILED)
		return -errno;
	k = calloc(1, sizeof(*k));
	if (!k) {
		munmap(map, len + (off - start));
		return -ENOMEM;
	}
	k->map = map;
	k->map_len = len + (off - start);
	return index_into(k, (const char *)map + (off - start), len, out);
}

void ks_ksyms_free(struct ks_ksyms *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nfilled; i++)
		free((char *)k->lines[k->filled[i]].func);
	free(k->filled);
	for (i = 0; i < k->nmods; i++)
		free(k->mods[i]);
	free(k->mods);
	free(k->lo);
	free(k->hi);
	free(k->lines);
	free(k->syms);
	free(k->owned);
	if (k->map)
		munmap(k->map, k->map_len);
	free(k);
}

int ks_ksyms_lookup(struct ks_ksyms *k, uint64_t addr, struct ks_sym *out, const char **module)
{
	const struct ksym *s;
	size_t lo = 0, hi;
	uint64_t end;

	memset(out, 0, sizeof(*out));
	if (module)
		*module = NULL;
	if (!k || !k->n || addr < k->syms[0].addr)
		return -ENOENT;
	/* the last symbol at or below addr */
	hi = k->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	s = &k->syms[lo];
	if (s->name == KSYM_NO_NAME)
		return -ENOENT;
	end = s->addr + KSYM_MAX_TAIL < s->addr ? UINT64_MAX : s->addr + KSYM_MAX_TAIL;
	if (lo + 1 < k->n && (s[1].module == s->module || s[1].addr < end))
		end = s[1].addr;
	if (addr >= end)
		return -ENOENT;
	if (!k->lines && !(k->lines = calloc(k->n, sizeof(*k->lines))))
		return -ENOMEM;	/* untouched pages of it cost nothing */
	if (!k->lines[lo].func) {
		const char *name = k->text + s->name, *tend = k->text + k->len;
		const char *nl = memchr(name, '\n', tend - name);

		if (k->nfilled == k->filled_cap) {
			size_t cap = k->filled_cap ? 2 * k->filled_cap : 256;
			uint32_t *nf = realloc(k->filled, cap * sizeof(*nf));

			if (!nf)
				return -ENOMEM;
			k->filled = nf;
			k->filled_cap = cap;
		}
		k->lines[lo].func = strndup(name, name_end(name, nl ? nl : tend) - name);
		if (!k->lines[lo].func)
			return -ENOMEM;
		k->filled[k->nfilled++] = (uint32_t)lo;
	}
	out->nlines = 1;
	out->lines = &k->lines[lo];
	out->offset = addr - s->addr;
	if (module)
		*module = s->module ? k->mods[s->module - 1] : NULL;
	return 0;
}

int ks_ksyms_range(const struct ks_ksyms *k, const char *module, uint64_t *start, uint64_t *end)
{
	size_t i, id = 0;

	*start = *end = 0;
	if (!k || !k->lo)
		return -ENOENT;
	for (i = 0; module && i < k->nmods; i++)
		if (!strcmp(k->mods[i], module))
			id = i + 1;
	if ((module && !id) || k->lo[id] > k->hi[id])
		return -ENOENT;
	*start = k->lo[id];
	*end = k->hi[id];
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Demangling through libstdc++'s __cxa_demangle, loaded on first use. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#ifndef KS_STATIC
#include <dlfcn.h>
#endif

#include "kscope/symbols/demangle.h"

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

struct ks_demangler {
	void *lib;
	cxa_demangle_fn fn;
	bool tried;		/* dlopen was attempted: do not retry on every name */
};

struct ks_demangler *ks_demangler_new(void)
{
	return calloc(1, sizeof(struct ks_demangler));
}

void ks_demangler_free(struct ks_demangler *d)
{
	if (!d)
		return;
#ifndef KS_STATIC
	if (d->lib)
		dlclose(d->lib);
#endif
	free(d);
}

bool ks_demangle_wanted(const char *name)
{
	return name[0] == '_' && name[1] == 'Z';
}

static bool load(struct ks_demangler *d)
{
	if (d->tried)
		return d->fn;
	d->tried = true;
#ifndef KS_STATIC
	d->lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (d->lib)
		d->fn = (cxa_demangle_fn)dlsym(d->lib, "__cxa_demangle");
#endif
	return d->fn;
}

/* Rust's legacy mangling ends each path with a hash "h" + 16 hex digits: noise. */
static void drop_rust_hash(char *s)
{
	size_t n = strlen(s), i;

	if (n < 20 || memcmp(s + n - 19, "::h", 3))
		return;
	for (i = n - 16; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return;
	s[n - 19] = '\0';
}

/* After "operator" at @p: past the operator's own characters ("<<", "()", "[]", ...). */
static const char *skip_operator(const char *p)
{
	while (*p == ' ')
		p++;
	if ((p[0] == '(' && p[1] == ')') || (p[0] == '[' && p[1] == ']'))
		return p + 2;
	while (*p && strchr("<>=!+-*/%^&|~,", *p))
		p++;
	return p;
}

/*
 * The length of @name without its parameter list: up to the first "(" outside
 * template arguments ("f<bool (*)(int)>(x)" is "f<bool (*)(int)>"), keeping
 * "(anonymous namespace)" and "operator()". stackcollapse-perf.pl cuts at the
 * first "(" of any kind.
 */
static size_t short_len(const char *name)
{
	static const char anon[] = "(anonymous namespace)", op[] = "operator";
	const char *p = name;
	size_t n;
	int depth = 0;

	while (*p) {
		if (!strncmp(p, op, sizeof(op) - 1) && (p == name || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[sizeof(op) - 1]) && p[sizeof(op) - 1] != '_') {
			p = skip_operator(p + sizeof(op) - 1);
			continue;
		}
		if (*p == '(' && !strncmp(p, anon, sizeof(anon) - 1)) {
			p += sizeof(anon) - 1;
			continue;
		}
		/* the parameters: the first "(" outside template arguments */
		if (*p == '(' && !depth)
			break;
		depth += *p == '<' ? 1 : *p == '>' && depth ? -1 : 0;
		p++;
	}
	n = (size_t)(p - name);
	while (n && name[n - 1] == ' ')
		n--;
	return n ? n : strlen(name);
}

char *ks_demangle(struct ks_demangler *d, const char *name)
{
	char *out;
	int status = -1;

	if (!d || !ks_demangle_wanted(name) || !load(d))
		return NULL;
	out = d->fn(name, NULL, NULL, &status);
	if (status || !out) {
		free(out);
		return NULL;
	}
	/* perf's default: no parameters, no " [clone .isra.0]" */
	out[short_len(out)] = '\0';
	drop_rust_hash(out);
	return out;
}

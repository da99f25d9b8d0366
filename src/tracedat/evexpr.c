// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event filters over trace.dat records, parsed and evaluated as the kernel does it
 * (kernel/trace/trace_events_filter.c): predicates "FIELD OP VALUE" joined by &&, ||,
 * ! and parentheses; numbers compared signed when the field is signed; strings by ==,
 * != and ~ globs. libtraceevent's filter parser is not used: it reads "ret < -1" as
 * "ret - 1" and compares signed fields as unsigned numbers, which silently changes what
 * a filter means between a live run and a recording of the same run.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/err.h"
#include "kscope/base/util.h"
#include "kscope/tracedat/evexpr.h"

#define STR_MAX 4096			/* a string field is compared up to this long */
#define DEPTH_MAX 64			/* nested parentheses and ! */

enum node_kind { N_AND, N_OR, N_NOT, N_NUM, N_STR };
enum cmp { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE, C_BAND, C_GLOB };
/* The kernel's fields that belong to every event without being in its format. */
enum pseudo { P_NONE, P_CPU, P_COMM };

struct node {
	enum node_kind kind;
	struct node *l, *r;
	enum cmp op;
	const struct tep_format_field *field;
	enum pseudo pseudo;
	uint64_t val;
	bool is_signed;
	char *str;
};

struct ks_evexpr {
	struct tep_handle *tep;
	struct node *root;
	char str[STR_MAX];
};

struct parser {
	const char *text, *p;
	struct tep_event *ev;
	struct ks_err *err;
	int depth;
	bool said;			/* the first error is the one said */
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n->str);
	free(n);
}

static int fail(struct parser *ps, const char *what)
{
	if (!ps->said)
		ks_err_set(ps->err, -EINVAL, "bad filter '%s' for %s:%s: %s at column %d",
			   ps->text, ps->ev->system, ps->ev->name, what,
			   (int)(ps->p - ps->text) + 1);
	ps->said = true;
	return -EINVAL;
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
		ps->p++;
}

static bool eat(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(ps);
	if (strncmp(ps->p, tok, n))
		return false;
	ps->p += n;
	return true;
}

static bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static int parse_op(struct parser *ps, enum cmp *op)
{
	static const struct { const char *tok; enum cmp op; } ops[] = {
		{ "==", C_EQ }, { "!=", C_NE }, { "<=", C_LE }, { ">=", C_GE },
		{ "<", C_LT }, { ">", C_GT }, { "~", C_GLOB },
	};
	size_t i;

	skip_space(ps);
	for (i = 0; i < KS_ARRAY_SIZE(ops); i++) {
		if (eat(ps, ops[i].tok)) {
			*op = ops[i].op;
			return 0;
		}
	}
	/* A lone '&' is a bit test; '&&' here means the value is missing. */
	if (ps->p[0] == '&' && ps->p[1] != '&') {
		ps->p++;
		*op = C_BAND;
		return 0;
	}
	return fail(ps, "expected an operator (==, !=, <, <=, >, >=, &, ~)");
}

/* The value after the operator: "quoted", 'quoted' or a bare word, into @buf. */
static int parse_value(struct parser *ps, char *buf, size_t size)
{
	const char *start;
	size_t n;

	skip_space(ps);
	if (*ps->p == '"' || *ps->p == '\'') {
		char q = *ps->p++;

		start = ps->p;
		while (*ps->p && *ps->p != q)
			ps->p++;
		if (!*ps->p)
			return fail(ps, "unterminated string");
		n = (size_t)(ps->p++ - start);
	} else {
		start = ps->p;
		while (*ps->p && !strchr(" \t\n()&|", *ps->p))
			ps->p++;
		n = (size_t)(ps->p - start);
		if (!n)
			return fail(ps, "expected a value");
	}
	if (n >= size)
		return fail(ps, "value too long");
	memcpy(buf, start, n);
	buf[n] = 0;
	return 0;
}

static int number_of(struct parser *ps, struct node *n, const char *v)
{
	int size = n->pseudo == P_CPU ? 4 : n->field->size;
	unsigned long long u;
	long long s;
	char *end;

	errno = 0;
	if (n->is_signed) {
		s = strtoll(v, &end, 0);
		u = (unsigned long long)s;
	} else {
		if (*v == '-')
			return fail(ps, "a negative number for an unsigned field");
		u = strtoull(v, &end, 0);
	}
	if (errno || end == v || *end)
		return fail(ps, "not a number");
	/* As the kernel compares: in the field's width. */
	if (size < 8) {
		u &= (1ull << (size * 8)) - 1;
		if (n->is_signed && (u >> (size * 8 - 1)))
			u |= ~((1ull << (size * 8)) - 1);
	}
	n->val = u;
	return 0;
}

static int parse_pred(struct parser *ps, struct node **out)
{
	char name[128], value[STR_MAX];
	const char *start;
	struct node *n;
	int ret;

	skip_space(ps);
	start = ps->p;
	while (is_ident(*ps->p, ps->p == start))
		ps->p++;
	if (ps->p == start)
		return fail(ps, "expected a field name");
	if ((size_t)(ps->p - start) >= sizeof(name))
		return fail(ps, "field name too long");
	snprintf(name, sizeof(name), "%.*s", (int)(ps->p - start), start);
	n = calloc(1, sizeof(*n));
	if (!n)
		return ks_err_set(ps->err, -ENOMEM, "out of memory");
	*out = n;
	n->field = tep_find_any_field(ps->ev, name);
	if (!n->field && (!strcmp(name, "CPU") || !strcmp(name, "cpu") ||
			  !strcmp(name, "common_cpu")))
		n->pseudo = P_CPU;
	else if (!n->field && (!strcmp(name, "COMM") || !strcmp(name, "comm")))
		n->pseudo = P_COMM;
	else if (!n->field) {
		ks_err_set(ps->err, -EINVAL, "bad filter '%s' for %s:%s: no field '%s' (kscope "
			   "list -e -F '%s:%s' shows the fields)", ps->text, ps->ev->system,
			   ps->ev->name, name, ps->ev->system, ps->ev->name);
		ps->said = true;
		return -EINVAL;
	}
	ret = parse_op(ps, &n->op);
	if (!ret)
		ret = parse_value(ps, value, sizeof(value));
	if (ret)
		return ret;
	/* The kernel compares a "char *" field as the string it points to. */
	if (n->field && (!strcmp(n->field->type, "char *") ||
			 !strcmp(n->field->type, "const char *")))
		return fail(ps, "the field points to a string in kernel memory, which a "
			    "recording does not hold");
	if (n->pseudo == P_COMM || (n->field && (n->field->flags & (TEP_FIELD_IS_STRING |
								     TEP_FIELD_IS_ARRAY |
								     TEP_FIELD_IS_DYNAMIC)))) {
		n->kind = N_STR;
		if (n->op != C_EQ && n->op != C_NE && n->op != C_GLOB)
			return fail(ps, "a string compares only by ==, != and ~");
		n->str = strdup(value);
		return n->str ? 0 : ks_err_set(ps->err, -ENOMEM, "out of memory");
	}
	n->kind = N_NUM;
	if (n->op == C_GLOB)
		return fail(ps, "~ is for strings; the field is a number");
	if (n->field && n->field->size != 1 && n->field->size != 2 && n->field->size != 4 &&
	    n->field->size != 8)
		return fail(ps, "the field is not a number");
	n->is_signed = n->field && (n->field->flags & TEP_FIELD_IS_SIGNED);
	return number_of(ps, n, value);
}

static int parse_or(struct parser *ps, struct node **out);

static int parse_unary(struct parser *ps, struct node **out)
{
	int ret;

	if (++ps->depth > DEPTH_MAX)
		return fail(ps, "nested too deeply");
	if (eat(ps, "!")) {
		struct node *n = calloc(1, sizeof(*n));

		if (!n)
			return ks_err_set(ps->err, -ENOMEM, "out of memory");
		n->kind = N_NOT;
		*out = n;
		ret = parse_unary(ps, &n->l);
	} else if (eat(ps, "(")) {
		ret = parse_or(ps, out);
		if (!ret && !eat(ps, ")"))
			ret = fail(ps, "expected ')'");
	} else {
		ret = parse_pred(ps, out);
	}
	ps->depth--;
	return ret;
}

static int parse_binary(struct parser *ps, struct node **out, enum node_kind kind)
{
	const char *tok = kind == N_OR ? "||" : "&&";
	int ret = kind == N_OR ? parse_binary(ps, out, N_AND) : parse_unary(ps, out);

	while (!ret && eat(ps, tok)) {
		struct node *n = calloc(1, sizeof(*n));

		if (!n)
			return ks_err_set(ps->err, -ENOMEM, "out of memory");
		n->kind = kind;
		n->l = *out;
		*out = n;
		ret = kind == N_OR ? parse_binary(ps, &n->r, N_AND) : parse_unary(ps, &n->r);
	}
	return ret;
}

static int parse_or(struct parser *ps, struct node **out)
{
	return parse_binary(ps, out, N_OR);
}

/* --- evaluation --- */

static bool test_num(struct ks_evexpr *x, const struct node *n, struct tep_record *rec)
{
	const struct tep_format_field *f = n->field;
	uint64_t v;

	if (n->pseudo == P_CPU) {
		v = (uint64_t)(int64_t)rec->cpu;
	} else {
		if (f->offset + f->size > rec->size)
			return false;
		v = tep_read_number(x->tep, (char *)rec->data + f->offset, f->size);
		if (n->is_signed && f->size < 8 && (v >> (f->size * 8 - 1)))
			v |= ~((1ull << (f->size * 8)) - 1);
	}
	if (n->op == C_BAND)
		return (v & n->val) != 0;
	if (n->op == C_EQ || n->op == C_NE)
		return (v == n->val) == (n->op == C_EQ);
	if (n->is_signed) {
		int64_t a = (int64_t)v, b = (int64_t)n->val;

		return n->op == C_LT ? a < b : n->op == C_LE ? a <= b : n->op == C_GT ? a > b :
		       a >= b;
	}
	return n->op == C_LT ? v < n->val : n->op == C_LE ? v <= n->val :
	       n->op == C_GT ? v > n->val : v >= n->val;
}

/* The string of the field of @n in @rec, NUL-terminated. */
static const char *field_str(struct ks_evexpr *x, const struct node *n, struct tep_record *rec)
{
	const struct tep_format_field *f = n->field;
	unsigned int off, len;

	if (n->pseudo == P_COMM)
		return tep_data_comm_from_pid(x->tep, tep_data_pid(x->tep, rec));
	if (f->offset + f->size > rec->size)
		return "";
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned long long loc = tep_read_number(x->tep, (char *)rec->data + f->offset,
							 f->size);

		off = loc & 0xffff;
		len = (loc >> 16) & 0xffff;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
	} else {
		off = f->offset;
		len = f->size;
	}
	if (off > (unsigned int)rec->size)
		return "";
	if (len > (unsigned int)rec->size - off)
		len = (unsigned int)rec->size - off;
	if (len >= sizeof(x->str))
		len = sizeof(x->str) - 1;
	len = strnlen((const char *)rec->data + off, len);
	memcpy(x->str, (const char *)rec->data + off, len);
	x->str[len] = 0;
	return x->str;
}

static bool test(struct ks_evexpr *x, const struct node *n, struct tep_record *rec)
{
	const char *s;

	switch (n->kind) {
	case N_AND:
		return test(x, n->l, rec) && test(x, n->r, rec);
	case N_OR:
		return test(x, n->l, rec) || test(x, n->r, rec);
	case N_NOT:
		return !test(x, n->l, rec);
	case N_NUM:
		return test_num(x, n, rec);
	case N_STR:
		s = field_str(x, n, rec);
		if (n->op == C_GLOB)
			return !fnmatch(n->str, s, 0);
		return !strcmp(s, n->str) == (n->op == C_EQ);
	}
	return false;
}

bool ks_evexpr_match(struct ks_evexpr *x, struct tep_record *rec)
{
	return test(x, x->root, rec);
}

int ks_evexpr_new(struct ks_evexpr **out, struct tep_handle *tep, struct tep_event *ev,
		  const char *filter, struct ks_err *err)
{
	struct parser ps = { filter, filter, ev, err, 0, false };
	struct ks_evexpr *x = calloc(1, sizeof(*x));
	int ret;

	*out = NULL;
	if (!x)
		return ks_err_set(err, -ENOMEM, "out of memory");
	x->tep = tep;
	ret = parse_or(&ps, &x->root);
	skip_space(&ps);
	if (!ret && *ps.p)
		ret = fail(&ps, "expected && or || or the end");
	if (ret) {
		ks_evexpr_free(x);
		return ret;
	}
	*out = x;
	return 0;
}

void ks_evexpr_free(struct ks_evexpr *x)
{
	if (!x)
		return;
	node_free(x->root);
	free(x);
}

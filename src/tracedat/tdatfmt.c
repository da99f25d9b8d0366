// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event format and printk format checks for the trace.dat reader: what of a
 * file's format text may be handed to libtraceevent without it crashing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/tracedat/tdatfmt.h"
#include "kscope/base/util.h"

/*
 * --- event formats: only what libtraceevent survives ---
 *
 * libtraceevent 1.7 trusts format text. Its parser dereferences NULL when the
 * input ends inside a field or an expression (or at a byte it cannot tokenize),
 * traps on a constant divisor of 0 while folding constants, and dereferences the
 * field of a REC->x that does not exist inside __print_flags(); its printer looks
 * up __get_str() fields without checking, and reads wherever offsets, indexes
 * and the lengths of __print_hex()/__print_array() point. So a format reaches it
 * only in the shape the kernel writes, checked here with the same tokenizer rules:
 *  - printable ASCII; "name:", "ID:", "format:", field lines, a blank line after
 *    the common fields and after the others, then "print fmt:";
 *  - every field within the first 64 KiB of a record (__data_loc offsets are
 *    16-bit), dynamic fields 4 bytes wide;
 *  - print arguments in a small expression grammar: REC->x and __get_str(x)
 *    name existing fields, a divisor is a constant from 1 to 2^31 - 1, indexes
 *    are constants, the lengths given to __print_hex()/__print_array() are at
 *    most 64 KiB, functions are libtraceevent's own or take only numbers.
 * A bad header or field drops the event (its records print as unknown); a bad
 * print fmt drops only that part, and libtraceevent prints the raw fields.
 * Reads derived from record data then stay within the reader's page slack
 * (KS_TDAT_PAGE_SLACK).
 */

#define FMT_MAX_FIELD	65536	/* end of the last byte a field may cover */
#define FMT_MAX_LEN	65536	/* bytes a length argument may cover */
#define FMT_MAX_DEPTH	64	/* nesting of expressions and operands */
#define FMT_MAX_FIELDS	1024
#define FMT_MAX_ARGS	128
#define FMT_MAX_CLAMPS	16
#define FMT_CLAMP	"0xffff"	/* what a clamped length is and-ed with */
#define FMT_MAX_WIDTH	1024	/* written in a format: "%16llx" */
#define FMT_MAX_STAR	65536	/* taken from an argument: "%*d" */
#define UNBOUNDED	UINT64_MAX

enum { TK_END, TK_NL, TK_ITEM, TK_STR, TK_CHAR, TK_OP, TK_DELIM, TK_BAD };

struct fmt_field {
	const char *name;
	int len;
	bool common;
	bool dynamic;
	bool array;
	int size;
};

struct fmt_check {
	const char *p, *end;
	int type;		/* current token */
	const char *tok;
	int tok_len;
	struct fmt_field *fields;
	int nfields;
	uint64_t bounds[FMT_MAX_ARGS];	/* of the print arguments, for '*' widths */
	const char *arg_start[FMT_MAX_ARGS], *arg_end[FMT_MAX_ARGS];
	int nargs;
	/* Lengths to rewrite as "((x) & 0xffff)", in text order. */
	const char *clamp_start[FMT_MAX_CLAMPS], *clamp_end[FMT_MAX_CLAMPS];
	int nclamps;
	int depth;
	bool bad;
};

static bool is_item_char(int c)
{
	return isalnum(c) || c == '_';
}

/* After an opening quote: past the character libtraceevent ends the string at, or NULL. */
static const char *lex_quoted(const char *p, const char *end, char quote)
{
	int ch = quote, last;

	for (;;) {
		last = ch;
		if (p >= end)
			return NULL;
		ch = *p++;
		/* Its "\\" handling, quirks included: the pair cancels for one step only. */
		if (ch == '\\' && last == '\\')
			last = 0;
		if (!((ch != quote && isprint(ch)) || last == '\\' || ch == '\n'))
			return p;
	}
}

/* The next token, split as libtraceevent's __read_token() does; spaces skipped. */
static void fmt_next(struct fmt_check *fc)
{
	const char *p = fc->p, *end = fc->end, *q;
	int c;

	while (p < end && *p != '\n' && isspace((unsigned char)*p))
		p++;
	fc->tok = p;
	if (p >= end) {
		fc->type = TK_END;
		goto out;
	}
	c = *p++;
	if (c == '\n') {
		/* Only the line ends of the tail are allowed: treat them as the end. */
		for (q = p; q < end && isspace((unsigned char)*q); q++)
			;
		fc->type = q == end ? TK_END : TK_NL;
		p = q == end ? q : p;
	} else if (is_item_char(c)) {
		while (p < end && is_item_char(*p))
			p++;
		fc->type = TK_ITEM;
		/* libtraceevent turns these three into strings (old mac80211 formats). */
		if ((p - fc->tok == 12 && !memcmp(fc->tok, "LOCAL_PR_FMT", 12)) ||
		    (p - fc->tok == 10 && (!memcmp(fc->tok, "STA_PR_FMT", 10) ||
					   !memcmp(fc->tok, "VIF_PR_FMT", 10))))
			fc->type = TK_STR;
	} else if (c == '"' || c == '\'') {
		fc->type = c == '"' ? TK_STR : TK_CHAR;
		for (;;) {
			p = lex_quoted(p, end, (char)c);
			if (!p) {
				fc->type = TK_BAD;
				p = end;
				break;
			}
			if (c != '"')
				break;
			/* Adjacent strings are one token. */
			for (q = p; q < end && isspace((unsigned char)*q); q++)
				;
			if (q == end || *q != '"')
				break;
			p = q + 1;
		}
	} else if (c == '(' || c == ')' || c == ',') {
		fc->type = TK_DELIM;
	} else {
		fc->type = TK_OP;
		switch (c) {
		case '-':
			if (p < end && *p == '>') {
				p++;
				break;
			}
			/* fall through */
		case '+':
		case '|':
		case '&':
		case '>':
		case '<':
			if (p < end && *p == c) {
				p++;
				if (c != '>' && c != '<')
					break;
			}
			/* fall through */
		case '!':
		case '=':
			if (p < end && *p == '=')
				p++;
			break;
		default:
			break;
		}
	}
out:
	fc->tok_len = (int)(p - fc->tok);
	fc->p = p;
}

static bool tok_is(struct fmt_check *fc, int type, const char *s)
{
	return fc->type == type && (!s || ((int)strlen(s) == fc->tok_len &&
					   !memcmp(fc->tok, s, fc->tok_len)));
}

static bool expect(struct fmt_check *fc, int type, const char *s)
{
	if (fc->bad || !tok_is(fc, type, s)) {
		fc->bad = true;
		return false;
	}
	fmt_next(fc);
	return true;
}

static const struct fmt_field *fmt_find(struct fmt_check *fc, bool common_too)
{
	int i;

	if (fc->type != TK_ITEM)
		return NULL;
	for (i = 0; i < fc->nfields; i++) {
		const struct fmt_field *f = &fc->fields[i];

		if ((common_too || !f->common) && f->len == fc->tok_len &&
		    !memcmp(f->name, fc->tok, f->len))
			return f;
	}
	return NULL;
}

/* The value of a number token (0 if it is not one). */
static uint64_t tok_number(struct fmt_check *fc)
{
	char buf[32];

	if (fc->type != TK_ITEM || !isdigit((unsigned char)fc->tok[0]) ||
	    fc->tok_len >= (int)sizeof(buf))
		return 0;
	memcpy(buf, fc->tok, fc->tok_len);
	buf[fc->tok_len] = '\0';
	return strtoull(buf, NULL, 0);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UNBOUNDED - b ? UNBOUNDED : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return a && b > UNBOUNDED / a ? UNBOUNDED : a * b;
}

static uint64_t fmt_expr(struct fmt_check *fc);
static uint64_t fmt_operand(struct fmt_check *fc);

/*
 * A length from record data that may exceed 64 KiB (an int field, say) is fine
 * in a format written for honest data: rather than drop the print fmt, clamp it
 * to 16 bits there, which changes nothing for real records.
 */
static void fmt_clamp(struct fmt_check *fc, const char *start, const char *end)
{
	int i = fc->nclamps;

	if (i == FMT_MAX_CLAMPS) {
		fc->bad = true;
		return;
	}
	for (; i > 0 && fc->clamp_start[i - 1] > start; i--) {
		fc->clamp_start[i] = fc->clamp_start[i - 1];
		fc->clamp_end[i] = fc->clamp_end[i - 1];
	}
	fc->clamp_start[i] = start;
	fc->clamp_end[i] = end;
	fc->nclamps++;
	/* Nested or the same twice: not worth the trouble. */
	if ((i > 0 && fc->clamp_end[i - 1] > start) ||
	    (i + 1 < fc->nclamps && end > fc->clamp_start[i + 1]))
		fc->bad = true;
}

/* A field named by the current token, inside (): "__get_str(x)" and its kind. */
static const struct fmt_field *fmt_field_arg(struct fmt_check *fc, bool dynamic)
{
	const struct fmt_field *f;

	if (!expect(fc, TK_DELIM, "("))
		return NULL;
	f = fmt_find(fc, false);
	if (!f || (dynamic && !f->dynamic)) {
		fc->bad = true;
		return NULL;
	}
	fmt_next(fc);
	return expect(fc, TK_DELIM, ")") ? f : NULL;
}

/* What __print_hex() and __print_array() read from: REC->x or __get_dynamic_array(x). */
static void fmt_array_source(struct fmt_check *fc)
{
	if (tok_is(fc, TK_ITEM, "REC")) {
		fmt_next(fc);
		if (expect(fc, TK_OP, "->") && !fmt_find(fc, true))
			fc->bad = true;
		fmt_next(fc);
	} else if (tok_is(fc, TK_ITEM, "__get_dynamic_array") ||
		   tok_is(fc, TK_ITEM, "__get_rel_dynamic_array")) {
		fmt_next(fc);
		fmt_field_arg(fc, true);
	} else {
		fc->bad = true;
	}
	expect(fc, TK_DELIM, ",");
}

/* { value, "name" }, ... of __print_flags() and __print_symbolic(). */
static void fmt_symbols(struct fmt_check *fc)
{
	do {
		if (!expect(fc, TK_OP, "{"))
			return;
		fmt_expr(fc);
		expect(fc, TK_DELIM, ",");
		/* Mostly a string; "{ -1, ((void *)0) }" ends some lists. */
		fmt_operand(fc);
		expect(fc, TK_OP, "}");
	} while (!fc->bad && tok_is(fc, TK_DELIM, ",") && (fmt_next(fc), true));
}

enum {
	FN_FLAGS, FN_SYMBOLIC, FN_HEX, FN_ARRAY, FN_FIELD, FN_FIELD_LEN, FN_EXPECT, FN_SIZEOF,
	FN_NUMBERS,
};

static const struct {
	const char *name;
	int kind;
} fmt_funcs[] = {
	{ "__print_flags", FN_FLAGS }, { "__print_symbolic", FN_SYMBOLIC },
	{ "__print_hex", FN_HEX }, { "__print_hex_str", FN_HEX }, { "__print_array", FN_ARRAY },
	/* Not __get_cpumask(): for an empty mask libtraceevent 1.7 allocates 3 GB. */
	{ "__get_str", FN_FIELD }, { "__get_rel_str", FN_FIELD },
	{ "__get_bitmask", FN_FIELD }, { "__get_rel_bitmask", FN_FIELD },
	{ "__get_dynamic_array", FN_FIELD }, { "__get_rel_dynamic_array", FN_FIELD },
	{ "__get_sockaddr", FN_FIELD }, { "__get_sockaddr_rel", FN_FIELD },
	{ "__get_dynamic_array_len", FN_FIELD_LEN },
	{ "__get_rel_dynamic_array_len", FN_FIELD_LEN },
	{ "__builtin_expect", FN_EXPECT }, { "sizeof", FN_SIZEOF },
	/* Print helpers of plugins that take only numbers (not __le16_to_cpup & co). */
	{ "jbd2_dev_to_name", FN_NUMBERS }, { "jiffies_to_msecs", FN_NUMBERS },
	{ "is_writable_pte", FN_NUMBERS }, { "xen_hypercall_name", FN_NUMBERS },
};

/* A call of @name, at its "("; the bound of its value. */
static uint64_t fmt_call(struct fmt_check *fc, const char *name, int len)
{
	const char *start;
	uint64_t n, el;
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(fmt_funcs); i++)
		if (len == (int)strlen(fmt_funcs[i].name) && !memcmp(name, fmt_funcs[i].name, len))
			break;
	if (i == KS_ARRAY_SIZE(fmt_funcs)) {
		fc->bad = true;
		return UNBOUNDED;
	}
	switch (fmt_funcs[i].kind) {
	case FN_FLAGS:
	case FN_SYMBOLIC:
		expect(fc, TK_DELIM, "(");
		fmt_expr(fc);
		expect(fc, TK_DELIM, ",");
		if (fmt_funcs[i].kind == FN_FLAGS && expect(fc, TK_STR, NULL))
			expect(fc, TK_DELIM, ",");
		fmt_symbols(fc);
		break;
	case FN_HEX:
		expect(fc, TK_DELIM, "(");
		fmt_array_source(fc);
		start = fc->tok;
		if (fmt_expr(fc) >= FMT_MAX_LEN)
			fmt_clamp(fc, start, fc->tok);
		break;
	case FN_ARRAY:
		expect(fc, TK_DELIM, "(");
		fmt_array_source(fc);
		n = fmt_expr(fc);
		expect(fc, TK_DELIM, ",");
		el = tok_number(fc);
		if ((el != 1 && el != 2 && el != 4 && el != 8) || sat_mul(n, el) > FMT_MAX_LEN)
			fc->bad = true;
		fmt_next(fc);
		break;
	case FN_FIELD:
		fmt_field_arg(fc, true);
		/* libtraceevent 1.7 rejects __get_dynamic_array(x)[i] anyway. */
		if (tok_is(fc, TK_OP, "["))
			fc->bad = true;
		return UNBOUNDED;
	case FN_FIELD_LEN:
		fmt_field_arg(fc, true);
		return FMT_MAX_LEN - 1;
	case FN_EXPECT:
		expect(fc, TK_DELIM, "(");
		n = fmt_expr(fc);
		expect(fc, TK_DELIM, ",");
		expect(fc, TK_ITEM, NULL);
		expect(fc, TK_DELIM, ")");
		return n;
	case FN_SIZEOF:
		/* libtraceevent 1.7.1 frees twice on sizeof(int), sizeof(REC->x), ... */
		expect(fc, TK_DELIM, "(");
		if (!tok_is(fc, TK_ITEM, "long") && !tok_is(fc, TK_ITEM, "unsigned"))
			fc->bad = true;
		fmt_next(fc);
		expect(fc, TK_DELIM, ")");
		return 8;
	default:
		expect(fc, TK_DELIM, "(");
		for (;;) {
			fmt_expr(fc);
			if (fc->bad || !tok_is(fc, TK_DELIM, ","))
				break;
			fmt_next(fc);
		}
		break;
	}
	expect(fc, TK_DELIM, ")");
	return UNBOUNDED;
}

/* "->x" or "->x[N]" after REC; the bound of its value. */
static uint64_t fmt_field_ref(struct fmt_check *fc)
{
	const struct fmt_field *f;
	uint64_t v = UNBOUNDED;

	expect(fc, TK_OP, "->");
	f = fmt_find(fc, true);
	if (!f)
		fc->bad = true;
	else if (!f->array && f->size <= 2)
		v = (1u << (8 * f->size)) - 1;
	fmt_next(fc);
	while (!fc->bad && tok_is(fc, TK_OP, "[")) {
		/* The printer trusts the index: constants only. */
		fmt_next(fc);
		if (fc->type != TK_ITEM || !isdigit((unsigned char)fc->tok[0]) ||
		    tok_number(fc) > 65535)
			fc->bad = true;
		fmt_next(fc);
		expect(fc, TK_OP, "]");
		v = UNBOUNDED;
	}
	return v;
}

/* An operand: a field, a constant, a string, a call, a cast or a parenthesis. */
static uint64_t fmt_operand(struct fmt_check *fc)
{
	const char *name;
	uint64_t v = UNBOUNDED;
	int len;

	if (fc->bad || ++fc->depth > FMT_MAX_DEPTH) {
		fc->bad = true;
		return UNBOUNDED;
	}
	if (tok_is(fc, TK_OP, "!") || tok_is(fc, TK_OP, "~") || tok_is(fc, TK_OP, "-") ||
	    tok_is(fc, TK_OP, "+")) {
		v = tok_is(fc, TK_OP, "!") ? 1 : UNBOUNDED;
		fmt_next(fc);
		fmt_operand(fc);
	} else if (tok_is(fc, TK_ITEM, "REC")) {
		fmt_next(fc);
		v = fmt_field_ref(fc);
	} else if (fc->type == TK_ITEM) {
		name = fc->tok;
		len = fc->tok_len;
		v = isdigit((unsigned char)*name) ? tok_number(fc) : UNBOUNDED;
		fmt_next(fc);
		if (tok_is(fc, TK_DELIM, "(")) {
			v = fmt_call(fc, name, len);
		} else {
			/* Several words make one atom ("unsigned int"). */
			for (; fc->type == TK_ITEM; fmt_next(fc)) {
				if (tok_is(fc, TK_ITEM, "REC"))
					fc->bad = true;
				v = UNBOUNDED;
			}
		}
	} else if (fc->type == TK_STR || fc->type == TK_CHAR) {
		fmt_next(fc);
	} else if (tok_is(fc, TK_DELIM, "(")) {
		const char *start;

		fmt_next(fc);
		start = fc->tok;
		if (tok_is(fc, TK_ITEM, "REC") && fc->p < fc->end && *fc->p == ')') {
			/* "(REC)->x" */
			fmt_next(fc);
			fmt_next(fc);
			v = fmt_field_ref(fc);
			goto out;
		}
		if (fc->type == TK_ITEM && !tok_is(fc, TK_ITEM, "REC")) {
			/* A cast: "(unsigned long)", "(void *)", "(struct x **)". */
			const char *save_p = fc->p;
			int save_type = fc->type, save_len = fc->tok_len;

			while (fc->type == TK_ITEM)
				fmt_next(fc);
			while (tok_is(fc, TK_OP, "*"))
				fmt_next(fc);
			if (tok_is(fc, TK_DELIM, ")")) {
				fmt_next(fc);
				if (fc->type == TK_ITEM || fc->type == TK_STR ||
				    fc->type == TK_CHAR || tok_is(fc, TK_DELIM, "(")) {
					v = fmt_operand(fc);
					goto out;
				}
				/* "(x)" alone: a parenthesized atom. */
				goto out;
			}
			fc->p = save_p;
			fc->tok = start;
			fc->type = save_type;
			fc->tok_len = save_len;
		}
		v = fmt_expr(fc);
		expect(fc, TK_DELIM, ")");
		/* libtraceevent reads "(expr) x" as a cast too: only after an atom. */
		if (fc->type == TK_ITEM || fc->type == TK_STR || fc->type == TK_CHAR ||
		    tok_is(fc, TK_DELIM, "("))
			fc->bad = true;
	} else {
		fc->bad = true;
	}
out:
	fc->depth--;
	return v;
}

static bool is_binary_op(struct fmt_check *fc)
{
	static const char *const ops[] = {
		">>", "<<", "&", "|", "&&", "||", "-", "+", "*", "^", "/", "%",
		"<", ">", "<=", ">=", "==", "!=",
	};
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(ops); i++)
		if (tok_is(fc, TK_OP, ops[i]))
			return true;
	return false;
}

/* An expression; returns an upper bound of its value (UNBOUNDED if unknown). */
static uint64_t fmt_expr(struct fmt_check *fc)
{
	uint64_t v, r;
	char op[3];

	if (fc->bad || ++fc->depth > FMT_MAX_DEPTH) {
		fc->bad = true;
		return UNBOUNDED;
	}
	v = fmt_operand(fc);
	while (!fc->bad) {
		if (tok_is(fc, TK_OP, "?")) {
			fmt_next(fc);
			v = fmt_expr(fc);
			expect(fc, TK_OP, ":");
			r = fmt_expr(fc);
			v = v > r ? v : r;
			continue;
		}
		if (!is_binary_op(fc))
			break;
		snprintf(op, sizeof(op), "%.*s", fc->tok_len, fc->tok);
		fmt_next(fc);
		if (!strcmp(op, "/") || !strcmp(op, "%")) {
			/*
			 * A constant from 1 to 2^31 - 1, and nothing that binds tighter
			 * after it (libtraceevent would fold "x / 2 * 0" into x / 0).
			 */
			r = tok_number(fc);
			fmt_next(fc);
			if (!r || r > INT32_MAX || tok_is(fc, TK_OP, "*") ||
			    tok_is(fc, TK_OP, "/") || tok_is(fc, TK_OP, "%") ||
			    tok_is(fc, TK_OP, "[") || fc->type == TK_ITEM ||
			    tok_is(fc, TK_DELIM, "(")) {
				fc->bad = true;
				break;
			}
			v = op[0] == '/' ? (v == UNBOUNDED ? v : v / r) : r - 1;
			continue;
		}
		r = fmt_operand(fc);
		if (!strcmp(op, "*"))
			v = sat_mul(v, r);
		else if (!strcmp(op, "+"))
			v = sat_add(v, r);
		else if (!strcmp(op, "&"))
			v = v < r ? v : r;
		else if (!strcmp(op, ">>"))
			;	/* never more than the left side */
		else if (strcmp(op, "-") && strcmp(op, "|") && strcmp(op, "^") && strcmp(op, "<<"))
			v = 1;	/* comparisons, && and || */
		else
			v = UNBOUNDED;
	}
	fc->depth--;
	return v;
}

static bool digits(const char **p, const char *end, unsigned long *v)
{
	const char *s = *p;

	*v = 0;
	while (*p < end && isdigit((unsigned char)**p) && *p - s < 9)
		*v = *v * 10 + (unsigned long)(*(*p)++ - '0');
	return *p > s && (*p == end || !isdigit((unsigned char)**p));
}

static bool skip_str(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n))
		return false;
	*p += n;
	return true;
}

/*
 * The conversions of a printf format as libtraceevent splits it (parse_args()).
 * It hands each to vsnprintf() through a trace_seq that grows a page at a time
 * and formats everything again after each step: a width of 10^9 takes hours.
 * Widths, and precisions of numbers, may be at most FMT_MAX_WIDTH when written;
 * those taken from an argument ('*') are clamped to FMT_MAX_STAR - 1 in @fc's
 * print arguments (NULL: none allowed).
 */
static bool printf_ok(const char *s, const char *end, struct fmt_check *fc)
{
	bool precision, star_width, star_prec;
	int arg = 0, stars;
	unsigned long v;

	while (s < end) {
		if (*s == '\\' || (*s == '%' && s + 1 < end && s[1] == '%')) {
			s += 2;
			continue;
		}
		if (*s++ != '%')
			continue;
		precision = star_width = star_prec = false;
		stars = 0;
		for (; s < end && strchr("#hlLzZ-.*0123456789", *s); s++) {
			if (isdigit((unsigned char)*s)) {
				for (v = 0; s < end && isdigit((unsigned char)*s); s++) {
					v = v * 10 + (unsigned long)(*s - '0');
					if (v > FMT_MAX_WIDTH)
						return false;
				}
				s--;
			} else if (*s == '*') {
				star_width |= !precision;
				star_prec |= precision;
				stars++;
			} else if (*s == '.') {
				precision = true;
			}
		}
		if (s == end)
			break;
		/* Any other character ends the conversion and prints as ">c<". */
		if (!strchr("pduixXos", *s++))
			continue;
		/*
		 * A width pads anything but %p, a precision pads numbers; and a
		 * negative one (an int) makes libtraceevent call vsnprintf() without
		 * it, which then takes the next argument for a string pointer.
		 */
		if (s[-1] != 'p' && stars && (!fc || arg >= fc->nargs))
			return false;
		if (s[-1] != 'p' && stars && fc->bounds[arg] >= FMT_MAX_STAR)
			fmt_clamp(fc, fc->arg_start[arg], fc->arg_end[arg]);
		arg += stars + 1;
	}
	return true;
}

/* The text of a run of adjacent strings, as libtraceevent joins them; NULL if none. */
static char *fmt_string(const char *p, const char *end)
{
	char *out = malloc(end - p + 1), *o = out;
	const char *q;

	while (out && p < end && *p == '"') {
		q = lex_quoted(p + 1, end, '"');
		if (!q)
			break;
		memcpy(o, p + 1, q - 1 - (p + 1));
		o += q - 1 - (p + 1);
		for (p = q; p < end && isspace((unsigned char)*p); p++)
			;
	}
	if (out)
		*o = '\0';
	return out;
}

/* "print fmt: "..." [, args]": the format strings, then the arguments. */
static bool fmt_print_ok(struct fmt_check *fc, const char *p, const char *end)
{
	char *text;
	bool ok;

	fc->p = p;
	fc->end = end;
	fmt_next(fc);
	if (fc->type != TK_STR || *fc->tok != '"')
		return false;
	text = fmt_string(fc->tok, fc->tok + fc->tok_len);
	if (!text)
		return false;
	fmt_next(fc);
	if (fc->type != TK_END && expect(fc, TK_DELIM, ",")) {
		for (;;) {
			const char *start = fc->tok;
			uint64_t v = fmt_expr(fc);

			if (fc->nargs < FMT_MAX_ARGS) {
				fc->arg_start[fc->nargs] = start;
				fc->arg_end[fc->nargs] = fc->tok;
				fc->bounds[fc->nargs++] = v;
			}
			if (fc->bad || !tok_is(fc, TK_DELIM, ","))
				break;
			fmt_next(fc);
		}
	}
	ok = !fc->bad && fc->type == TK_END && printf_ok(text, text + strlen(text), fc) &&
		!fc->bad;
	free(text);
	return ok;
}

/* Skips what @ok accepts; returns the new position. */
static const char *skip_while(const char *p, const char *end, bool (*ok)(int))
{
	while (p < end && ok(*p))
		p++;
	return p;
}

static bool is_type_char(int c)
{
	return is_item_char(c) || c == ' ' || c == '*';
}

static bool is_dim_char(int c)
{
	return is_item_char(c) || c == ' ' || c == '*' || c == '(' || c == ')';
}

static bool is_space_char(int c)
{
	return c == ' ';
}

/*
 * "<tab>field:DECL;<tab>offset:N;<tab>size:N;<tab>signed:N;", @end at the line's
 * end, "signed" optional. DECL is words and '*', then maybe one "[...]" of words
 * and balanced parentheses, then maybe one word: "char comm[16]", "__data_loc
 * char[] name", "__u8 saddr[sizeof(struct sockaddr_in6)]". Records the name.
 */
static bool fmt_field_ok(const char *p, const char *end, struct fmt_field *f)
{
	const char *decl, *semi, *s, *lb = NULL, *name, *name_end;
	unsigned long off, size, sign;
	int parens = 0;

	if (!skip_str(&p, end, "\tfield:"))
		return false;
	semi = memchr(p, ';', end - p);
	if (!semi)
		return false;
	decl = skip_while(p, semi, is_space_char);
	if (decl == semi || !is_item_char(*decl))
		return false;
	s = skip_while(decl, semi, is_type_char);
	name_end = s;
	if (s < semi && *s == '[') {
		lb = s;
		for (s++; s < semi && *s != ']' && is_dim_char(*s); s++) {
			parens += *s == '(' ? 1 : *s == ')' ? -1 : 0;
			if (parens < 0)
				return false;
		}
		if (s == semi || *s != ']' || parens)
			return false;
		s = skip_while(s + 1, semi, is_space_char);
		if (s < semi) {
			/* "TYPE[] NAME" */
			name_end = skip_while(s, semi, is_item_char);
			if (skip_while(name_end, semi, is_space_char) != semi)
				return false;
			name = s;
			goto found;
		}
	}
	if (s != semi && !lb)
		return false;
	while (name_end > decl && name_end[-1] == ' ')
		name_end--;
	for (name = name_end; name > decl && is_item_char(name[-1]); name--)
		;
found:
	if (name == name_end)
		return false;
	f->name = name;
	f->len = (int)(name_end - name);
	f->array = lb != NULL;
	/* libtraceevent's test: the type starts with these. */
	f->dynamic = !strncmp(decl, "__data_loc", 10) || !strncmp(decl, "__rel_loc", 9);
	p = semi + 1;
	if (!skip_str(&p, end, "\toffset:") || !digits(&p, end, &off) ||
	    !skip_str(&p, end, ";\tsize:") || !digits(&p, end, &size) || !skip_str(&p, end, ";"))
		return false;
	if (p < end && (!skip_str(&p, end, "\tsigned:") || !digits(&p, end, &sign) ||
			!skip_str(&p, end, ";")))
		return false;
	f->size = (int)size;
	return p == end && off + size <= FMT_MAX_FIELD && (!f->dynamic || size == 4);
}

/*
 * What of an event format libtraceevent may parse: all of it (with lengths
 * clamped), the part before "print fmt:" (the event then prints its raw
 * fields), or nothing (NULL). The text is allocated; *out_len is its length.
 */
char *ks_tdat_fmt_usable(const char *text, size_t len, size_t *out_len)
{
	static const char open[] = "((", close[] = ") & " FMT_CLAMP ")";
	struct fmt_check *fc;
	const char *p = text, *end = text + len, *eol;
	unsigned long id;
	char *out = NULL, *o;
	size_t i, keep = 0;
	int blanks = 0;

	for (i = 0; i < len; i++)
		if (!isprint((unsigned char)text[i]) && text[i] != '\t' && text[i] != '\n')
			return NULL;
	if (!skip_str(&p, end, "name: ") || p == end || !is_item_char(*p))
		return NULL;
	while (p < end && is_item_char(*p))
		p++;
	if (!skip_str(&p, end, "\nID: ") || !digits(&p, end, &id) ||
	    !skip_str(&p, end, "\nformat:\n"))
		return NULL;
	fc = calloc(1, sizeof(*fc));
	if (!fc)
		return NULL;
	fc->fields = calloc(FMT_MAX_FIELDS, sizeof(*fc->fields));
	if (!fc->fields)
		goto out;
	while (p < end && blanks < 2) {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			goto out;
		if (eol == p)
			blanks++;
		else if (fc->nfields == FMT_MAX_FIELDS ||
			 !fmt_field_ok(p, eol, &fc->fields[fc->nfields]))
			goto out;
		else
			fc->fields[fc->nfields++].common = !blanks;
		p = eol + 1;
	}
	if (blanks < 2)
		goto out;
	keep = p - text;
	if (skip_str(&p, end, "print fmt:") && fmt_print_ok(fc, p, end))
		keep = len;
	else
		fc->nclamps = 0;
	out = malloc(keep + fc->nclamps * (sizeof(open) + sizeof(close)) + 1);
	if (!out)
		goto out;
	for (o = out, p = text, i = 0; i < (size_t)fc->nclamps; i++) {
		o = mempcpy(o, p, fc->clamp_start[i] - p);
		o = mempcpy(o, open, sizeof(open) - 1);
		o = mempcpy(o, fc->clamp_start[i], fc->clamp_end[i] - fc->clamp_start[i]);
		o = mempcpy(o, close, sizeof(close) - 1);
		p = fc->clamp_end[i];
	}
	o = mempcpy(o, p, text + keep - p);
	*o = '\0';
	*out_len = o - out;
out:
	free(fc->fields);
	free(fc);
	return out;
}

/*
 * printk_formats as the kernel writes it, one 'ADDR : "FORMAT"' a line: for a line
 * without a ':' and a character after it, or with a format shorter than 3
 * characters, libtraceevent reads before or past the string; the formats print
 * bprint events (trace_printk()), so their widths are checked like print fmt's.
 * Keeps the lines it reads safely; NULL if out of memory.
 */
char *ks_tdat_printk_clean(const char *text, size_t len)
{
	const char *p = text, *end = text + strnlen(text, len), *eol, *colon, *fmt;
	char *out = malloc(len + 2), *o = out;	/* a last line gets its '\n' */

	for (; out && p < end; p = eol + 1) {
		eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		colon = memchr(p, ':', eol - p);
		/* It skips one character after the ':' and then a '"'. */
		if (p == eol || *p == ':' || !colon || eol - colon < 2)
			continue;
		fmt = colon + 2;
		fmt += fmt < eol && *fmt == '"';
		if (eol - fmt < 3 || !printf_ok(fmt, eol, NULL))
			continue;
		memcpy(o, p, eol - p);
		o += eol - p;
		*o++ = '\n';
	}
	if (out)
		*o = '\0';
	return out;
}


// SPDX-License-Identifier: GPL-2.0
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

#include "kscope/tracedat.h"

/*
 * libtraceevent reads past a record: static fields up to 64 KiB in (the format
 * checks below cap them there), __rel_loc data up to 64 KiB past the field, and
 * __print_hex()/__print_array() lengths up to 64 KiB from either. Zeroed slack
 * after each page keeps those reads, and the strings they meet, inside our buffer.
 */
#define PAGE_SLACK ((2u << 16) + 64)

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
	bool owns_map;
	int fd;			/* data is read from here when the file is not kept mapped */
	struct tep_handle *tep;
	struct tep_plugin_list *plugins;
	struct ks_tdat_info info;
	char clock[32];
	char *uname;
	char *writer;
	struct ks_buf cpustats;
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
 * Reads derived from record data then stay within PAGE_SLACK of the page.
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
static char *fmt_usable(const char *text, size_t len, size_t *out_len)
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
static char *printk_clean(const char *text, size_t len)
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
		usable = fmt_usable((const char *)text, len, &usable_len);
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
		default:
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
	text = take_str(&c, len);
	if (!text)
		return bad(err, "kallsyms cut short");
	if (len)
		tep_parse_kallsyms(t->tep, text);
	free(text);
	len = take_num(&c, 4);
	text = take_str(&c, len);
	if (!text)
		return bad(err, "printk formats cut short");
	clean = printk_clean(text, len);
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
static int record_size(struct ks_tdat *t, struct tep_record *rec)
{
	struct tep_event *ev = tep_find_event_by_record(t->tep, rec);
	struct tep_format_field *f;
	int size = rec->size, i;

	for (i = 0; ev && i < 2; i++)
		for (f = i ? ev->format.fields : ev->format.common_fields; f; f = f->next)
			if (!f->size && f->offset > size)
				size = f->offset;
	return size;
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
	/* The system's print plugins (sched_switch, ...) format events as trace-cmd does. */
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
	struct ks_tdat *t = calloc(1, sizeof(*t));
	int ret;

	if (!t)
		return ks_err_set(err, -ENOMEM, "out of memory");
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

int ks_tdat_open(const char *path, struct ks_tdat **out, struct ks_err *err)
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
	ks_buf_free(&t->cpustats);
	free(t);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compiled event formats. libtraceevent (1.7) prints an event by walking the
 * print fmt it split at parse time and calling trace_seq_printf (vsnprintf) once
 * per piece; for raw_syscalls that is eight printf calls per event. Here the same
 * split is done once per event into ops, and the ops format integers and strings
 * by hand.
 *
 * The compiler follows libtraceevent's own rules, not C's:
 *  - the print fmt is split like parse_args(): "\n", "\t", "\r", "\\" and "\x" ->
 *    'x' in literal text, "%%" -> '%', a conversion other than d i u x X o s p
 *    (say %c) prints ">c<" and takes no argument, a lone '%' at the end nothing;
 *  - a number is read zero-extended (tep_read_number), masked by a cast to u8/u16/
 *    u32/char/short/int (eval_type_str(), which never sign-extends), then cut to
 *    the conversion's length (hh 8 bits, h 16, none 32, l/z host long, ll/L 64)
 *    and sign-extended for %d/%i, as printf does with the value libtraceevent
 *    passes it;
 *  - %s of a char array prints up to the array's end or the first NUL, %s of a
 *    __data_loc/__rel_loc string prints nothing when its length is 0.
 * Whatever else is in a format makes the event libtraceevent's; a record whose
 * fields are not all inside it goes to libtraceevent too (which warns about it).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/tracedat/evfast.h"
#include "kscope/base/util.h"

#define MAX_EVENT_ID	65536	/* common_type is 16 bits */
#define MAX_END		(1 << 20)	/* fields beyond this make an event libtraceevent's */
#define MAX_DEPTH	16	/* nested casts */
#define MAX_FIXED	4096	/* worst-case bytes of an event's literals and padded numbers */
#define MAX_WIDTH	1024	/* widths and precisions above this are libtraceevent's */
#define MAX_SPEC	28	/* libtraceevent's conversion buffer holds 31 */
#define SLACK		16	/* room copy8() and pad8() may write beyond the text */

enum { OP_LIT, OP_INT, OP_STR_ARRAY, OP_STR_DYN };

enum {
	F_LEFT = 1,		/* '-' */
	F_ZERO = 2,		/* '0' */
	F_ALT = 4,		/* '#' */
	F_SIGNED = 8,		/* %d, %i */
};

struct op {
	unsigned char kind;
	unsigned char conv;	/* 'd' 'u' 'x' 'X' 'o' 's' */
	unsigned char flags;	/* F_* */
	unsigned char bits;	/* value bits the conversion keeps */
	unsigned char rsize;	/* bytes read for a number or a __data_loc word */
	short width;
	short prec;		/* -1: none */
	unsigned int off;	/* field offset, or offset in the literal pool */
	unsigned int len;	/* literal length; char array size (0: rest of record) */
	unsigned int rel;	/* __rel_loc: added to the string offset */
	unsigned int after;	/* worst-case bytes of the ops after this one */
	unsigned long long mask;
};

struct prog {
	int nops;
	unsigned int min_size;	/* records shorter than this go to libtraceevent */
	unsigned int fixed;	/* worst-case bytes of everything but string contents */
	unsigned int checked;	/* records compared with libtraceevent so far */
	char *pool;		/* literal text */
	struct op ops[];
};

struct slot {
	unsigned char state;	/* KS_EVFAST_* */
	struct prog *prog;
};

struct ks_evfast {
	struct tep_handle *tep;
	bool swap;		/* file endianness differs from ours */
	int long_bits;		/* what "%l" keeps */
	unsigned int verify;
	struct slot *slots;
	int nslots;
	struct trace_seq seq;	/* libtraceevent's text, for the comparison */
	struct ks_evfast_stats st;
};

/* A program under construction. */
struct builder {
	struct tep_event *ev;
	struct ks_evfast *f;
	struct op *ops;
	int nops, cap;
	char *pool;
	size_t pool_len, pool_cap;
	unsigned int min_size;
	bool bad;
};

struct numsrc {
	bool is_const;
	unsigned long long val;	/* the constant */
	unsigned int off;
	int size;
	unsigned int end;
	unsigned long long mask;
};

struct spec {
	int flags;
	int width;
	int prec;
	int ls;			/* libtraceevent's length count: hh -2 ... ll 2; z: 3 */
	char conv;
};

/* "000102...ff" */
static const char hex2[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* ---- runtime ---------------------------------------------------------------- */

static inline unsigned long long rd(const unsigned char *p, int size, bool swap)
{
	uint16_t v2;
	uint32_t v4;
	uint64_t v8;

	switch (size) {
	case 1:
		return *p;
	case 2:
		memcpy(&v2, p, 2);
		return swap ? __builtin_bswap16(v2) : v2;
	case 4:
		memcpy(&v4, p, 4);
		return swap ? __builtin_bswap32(v4) : v4;
	case 8:
		memcpy(&v8, p, 8);
		return swap ? __builtin_bswap64(v8) : v8;
	default:
		return 0;	/* as tep_read_number() */
	}
}

/*
 * Short copies and pads without a libc call: 8 bytes at a time, so they may write
 * up to 7 bytes past the end (run() keeps SLACK bytes for that) and read up to 7
 * past the source (only sources of our own with that much room: the literal pool,
 * digit buffers).
 */
static inline char *copy8(char *o, const char *s, int n)
{
	int i;

	for (i = 0; i < n; i += 8)
		memcpy(o + i, s + i, 8);
	return o + n;
}

static inline char *pad8(char *o, int n, char c)
{
	uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
	int i;

	for (i = 0; i < n; i += 8)
		memcpy(o + i, &v, 8);
	return n > 0 ? o + n : o;
}

/* printf's %[-0#][width][.prec]{d,i,u,x,X,o} for a value already cut to op->bits. */
static char *put_int(char *o, const struct op *op, unsigned long long v)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	char tmp[32], *t = tmp + 24;	/* digits end at tmp + 24: copy8() reads on */
	const char *pre = NULL;
	int ndig, zeros, npre = 0, total, pad;
	bool neg = false, zero;

	if (op->bits < 64) {
		unsigned long long m = (1ULL << op->bits) - 1;

		v &= m;
		if ((op->flags & F_SIGNED) && (v >> (op->bits - 1)))
			v |= ~m;
	}
	if ((op->flags & F_SIGNED) && (long long)v < 0) {
		neg = true;
		v = 0 - v;
	}
	zero = !v;
	if (zero) {
		if (op->prec)
			*--t = '0';
	} else if (op->conv == 'x') {
		while (v > 0xff) {
			t -= 2;
			memcpy(t, hex2 + 2 * (v & 0xff), 2);
			v >>= 8;
		}
		if (v > 0xf) {
			t -= 2;
			memcpy(t, hex2 + 2 * v, 2);
		} else {
			*--t = lower[v];
		}
	} else if (op->conv == 'X') {
		do {
			*--t = upper[v & 15];
			v >>= 4;
		} while (v);
	} else if (op->conv == 'o') {
		do {
			*--t = (char)('0' + (v & 7));
			v >>= 3;
		} while (v);
	} else {
		t = ks_udec_back(t, v);
	}
	ndig = (int)(tmp + 24 - t);
	/* Fast path: no width, no precision, no flags. */
	if (!op->width && op->prec < 0 && !(op->flags & (F_ALT | F_LEFT))) {
		if (neg)
			*o++ = '-';
		return copy8(o, t, ndig);
	}
	zeros = op->prec > ndig ? op->prec - ndig : 0;
	if (op->flags & F_ALT) {
		if (op->conv == 'o') {
			if (!zeros && (!ndig || *t != '0'))
				zeros = 1;
		} else if (op->conv != 'd' && op->conv != 'i' && op->conv != 'u' && !zero) {
			pre = op->conv == 'x' ? "0x" : "0X";
			npre = 2;
		}
	}
	total = neg + npre + zeros + ndig;
	pad = op->width > total ? op->width - total : 0;
	if (!(op->flags & F_LEFT)) {
		if ((op->flags & F_ZERO) && op->prec < 0)
			zeros += pad;
		else
			o = pad8(o, pad, ' ');
		pad = 0;
	}
	if (neg)
		*o++ = '-';
	if (npre) {
		memcpy(o, pre, npre);
		o += npre;
	}
	o = pad8(o, zeros, '0');
	o = copy8(o, t, ndig);
	return pad8(o, pad, ' ');
}

/* printf's %[-][width][.prec]s for @n bytes (already cut to the precision). */
static char *put_str(char *o, const struct op *op, const char *s, size_t n)
{
	int pad = op->width > (int)n ? op->width - (int)n : 0;

	if (!(op->flags & F_LEFT))
		o = pad8(o, pad, ' ');
	memcpy(o, s, n);	/* record data: no reading past it */
	o += n;
	if (op->flags & F_LEFT)
		o = pad8(o, pad, ' ');
	return o;
}

static int run(const struct ks_evfast *f, const struct prog *pg, const struct tep_record *rec,
	       char *buf, size_t cap)
{
	const unsigned char *data = rec->data;
	unsigned int size = (unsigned int)rec->size;
	char *o = buf, *end = buf + cap;
	int i;

	if (rec->size < 0 || size < pg->min_size)
		return -EAGAIN;
	if (cap < pg->fixed + SLACK)
		return -ENOSPC;
	for (i = 0; i < pg->nops; i++) {
		const struct op *op = &pg->ops[i];
		const char *s;
		unsigned int off, len;
		size_t n, max;

		switch (op->kind) {
		case OP_LIT:
			o = copy8(o, pg->pool + op->off, (int)op->len);
			continue;
		case OP_INT:
			o = put_int(o, op, rd(data + op->off, op->rsize, f->swap) & op->mask);
			continue;
		case OP_STR_ARRAY:
			off = op->off;
			len = op->len ? op->len : size - off;
			break;
		default: {	/* OP_STR_DYN, as dynamic_offset_field() */
			unsigned long long v = rd(data + op->off, op->rsize, f->swap);
			unsigned int o16 = (unsigned int)(v & 0xffff);
			unsigned int l16 = op->rsize == 2 ? size - o16 :
				(unsigned int)((v >> 16) & 0xffff);

			off = o16 > size ? 0 : o16;
			len = o16 + l16 > size ? 0 : l16;
			off += op->rel;
			if (!len)
				continue;
			/* a C string that must end inside the record */
			if (off >= size)
				return -EAGAIN;
			len = size - off;
			s = (const char *)data + off;
			n = strnlen(s, len);
			if (n == len && (op->prec < 0 || (size_t)op->prec > n))
				return -EAGAIN;
			goto put;
		}
		}
		s = (const char *)data + off;
		n = strnlen(s, len);
put:
		if (op->prec >= 0 && n > (size_t)op->prec)
			n = op->prec;
		max = n > (size_t)op->width ? n : (size_t)op->width;
		if ((size_t)(end - o) < max + op->after + SLACK)
			return -ENOSPC;
		o = put_str(o, op, s, n);
	}
	return (int)(o - buf);
}

/* ---- compiler --------------------------------------------------------------- */

static struct op *add_op(struct builder *b)
{
	struct op *n;

	if (b->nops == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;

		n = realloc(b->ops, cap * sizeof(*n));
		if (!n) {
			b->bad = true;
			return NULL;
		}
		b->ops = n;
		b->cap = cap;
	}
	n = &b->ops[b->nops++];
	memset(n, 0, sizeof(*n));
	n->prec = -1;
	n->mask = ~0ULL;
	return n;
}

static void add_lit(struct builder *b, const char *s, size_t len)
{
	struct op *op;

	if (!len)
		return;
	if (b->pool_len + len + 8 > b->pool_cap) {
		size_t cap = b->pool_cap ? b->pool_cap : 64;
		char *n;

		while (cap < b->pool_len + len + 8)	/* copy8() reads on */
			cap *= 2;
		n = realloc(b->pool, cap);
		if (!n) {
			b->bad = true;
			return;
		}
		b->pool = n;
		b->pool_cap = cap;
	}
	memcpy(b->pool + b->pool_len, s, len);
	/* one op per run of literal text */
	op = b->nops ? &b->ops[b->nops - 1] : NULL;
	if (op && op->kind == OP_LIT && op->off + op->len == b->pool_len) {
		op->len += (unsigned int)len;
	} else {
		op = add_op(b);
		if (!op)
			return;
		op->kind = OP_LIT;
		op->off = (unsigned int)b->pool_len;
		op->len = (unsigned int)len;
	}
	b->pool_len += len;
}

static void need_size(struct builder *b, unsigned int end)
{
	if (end > b->min_size)
		b->min_size = end;
}

/* eval_type_str(): what a cast keeps of a value. */
static unsigned long long type_mask(const char *type, bool pointer)
{
	size_t len = strlen(type);
	char ref[64];

	if (len < 2)
		return ~0ULL;
	if (pointer) {
		if (type[len - 1] != '*' || len >= sizeof(ref))
			return ~0ULL;
		memcpy(ref, type, len);
		ref[len - 2] = 0;	/* chop off " *" */
		return type_mask(ref, false);
	}
	if (type[len - 1] == '*' || !strncmp(type, "struct", 6))
		return ~0ULL;
	if (!strcmp(type, "u8") || !strcmp(type, "s8"))
		return 0xff;
	if (!strcmp(type, "u16") || !strcmp(type, "s16"))
		return 0xffff;
	if (!strcmp(type, "u32") || !strcmp(type, "s32"))
		return 0xffffffff;
	if (!strncmp(type, "unsigned ", 9))
		type += 9;
	if (!strcmp(type, "char"))
		return 0xff;
	if (!strcmp(type, "short"))
		return 0xffff;
	if (!strcmp(type, "int"))
		return 0xffffffff;
	return ~0ULL;
}

static struct tep_format_field *arg_field(struct tep_event *ev, struct tep_format_field *field,
					  const char *name)
{
	if (field)
		return field;
	return name ? tep_find_any_field(ev, name) : NULL;
}

/* A number as eval_num_arg() computes it: a constant or a (masked) field read. */
static int compile_num(struct builder *b, struct tep_print_arg *arg, struct numsrc *ns, int depth)
{
	struct tep_format_field *field;
	struct tep_print_arg *larg, *typearg = NULL;
	struct numsrc idx;
	const char *a;
	uint64_t off;

	if (depth > MAX_DEPTH)
		return -1;
	switch (arg->type) {
	case TEP_PRINT_ATOM:
		a = arg->atom.atom;
		if (!a)
			return -1;
		memset(ns, 0, sizeof(*ns));
		ns->is_const = true;
		ns->val = strtoull(a, NULL, 0);
		ns->mask = ~0ULL;
		/* 0 from a name means a kernel symbol's address: not ours */
		if (!ns->val && !isdigit((unsigned char)a[0]))
			return -1;
		return 0;
	case TEP_PRINT_FIELD:
		field = arg_field(b->ev, arg->field.field, arg->field.name);
		if (!field || field->offset < 0 || field->size < 0 ||
		    (uint64_t)field->offset + field->size > MAX_END)
			return -1;
		memset(ns, 0, sizeof(*ns));
		ns->off = field->offset;
		ns->size = field->size;
		ns->end = field->offset + field->size;
		ns->mask = ~0ULL;
		return 0;
	case TEP_PRINT_TYPE:
		if (!arg->typecast.item || !arg->typecast.type ||
		    compile_num(b, arg->typecast.item, ns, depth + 1))
			return -1;
		ns->mask &= type_mask(arg->typecast.type, false);
		ns->val &= ns->mask;
		return 0;
	case TEP_PRINT_OP:
		if (!arg->op.op || strcmp(arg->op.op, "[") || !arg->op.left || !arg->op.right)
			return -1;
		if (compile_num(b, arg->op.right, &idx, depth + 1) || !idx.is_const ||
		    idx.val > 65535)
			return -1;
		for (larg = arg->op.left; larg->type == TEP_PRINT_TYPE; larg = larg->typecast.item) {
			if (!typearg)
				typearg = larg;
			if (!larg->typecast.item || ++depth > MAX_DEPTH)
				return -1;
		}
		if (larg->type != TEP_PRINT_FIELD)
			return -1;
		field = arg_field(b->ev, larg->field.field, larg->field.name);
		if (!field || field->offset < 0 || field->elementsize > 8)
			return -1;
		off = (uint64_t)field->offset + idx.val * field->elementsize;
		if (off + field->elementsize > MAX_END)
			return -1;
		memset(ns, 0, sizeof(*ns));
		ns->size = (int)field->elementsize;
		ns->off = (unsigned int)off;
		ns->end = ns->off + ns->size;
		if (typearg && !typearg->typecast.type)
			return -1;
		ns->mask = typearg ? type_mask(typearg->typecast.type, true) : ~0ULL;
		return 0;
	default:
		return -1;
	}
}

/* "%[flags][width][.prec][length]conv", read strictly as printf reads it. */
static int parse_spec(const char *s, size_t len, struct spec *sp)
{
	const char *p = s + 1, *e = s + len - 1;
	int v;

	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	sp->conv = *e;
	for (;; p++) {
		if (*p == '-')
			sp->flags |= F_LEFT;
		else if (*p == '0')
			sp->flags |= F_ZERO;
		else if (*p == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	for (v = 0; isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (*p - '0')) > MAX_WIDTH)
			return -1;
	sp->width = v;
	if (*p == '.') {
		for (v = 0, p++; isdigit((unsigned char)*p); p++)
			if ((v = v * 10 + (*p - '0')) > MAX_WIDTH)
				return -1;
		sp->prec = v;
	}
	if (p[0] == 'h' && p[1] == 'h') {
		sp->ls = -2;
		p += 2;
	} else if (p[0] == 'l' && p[1] == 'l') {
		sp->ls = 2;
		p += 2;
	} else if (*p == 'h') {
		sp->ls = -1;
		p++;
	} else if (*p == 'l') {
		sp->ls = 1;
		p++;
	} else if (*p == 'L') {
		sp->ls = 2;
		p++;
	} else if (*p == 'z' || *p == 'Z') {
		sp->ls = 3;	/* size_t: as 'l' for libtraceevent */
		p++;
	}
	return p == e ? 0 : -1;
}

static void compile_int(struct builder *b, const struct spec *sp, struct tep_print_arg *arg)
{
	struct numsrc ns;
	struct op *op, tmp;
	char text[MAX_WIDTH + 32];

	if (compile_num(b, arg, &ns, 0)) {
		b->bad = true;
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = OP_INT;
	tmp.conv = (unsigned char)sp->conv;
	tmp.flags = (unsigned char)(sp->flags | (sp->conv == 'd' || sp->conv == 'i' ? F_SIGNED : 0));
	tmp.width = (short)sp->width;
	tmp.prec = (short)sp->prec;
	tmp.mask = ns.mask;
	tmp.off = ns.off;
	tmp.rsize = (unsigned char)(ns.size > 0 && ns.size <= 8 ? ns.size : 3);
	switch (sp->ls) {
	case -2:
		tmp.bits = 8;
		break;
	case -1:
		tmp.bits = 16;
		break;
	case 0:
		tmp.bits = 32;
		break;
	case 1:
	case 3:
		/* libtraceevent makes %l into %ll for 64-bit files on 32-bit hosts, not %z */
		if (sp->ls == 3 && b->f->long_bits != 8 * (int)sizeof(long)) {
			b->bad = true;
			return;
		}
		tmp.bits = (unsigned char)(sp->ls == 3 ? 8 * (int)sizeof(long) : b->f->long_bits);
		break;
	default:
		tmp.bits = 64;
	}
	if (ns.is_const) {
		add_lit(b, text, put_int(text, &tmp, ns.val) - text);
		return;
	}
	need_size(b, ns.end);
	op = add_op(b);
	if (op)
		*op = tmp;
}

static void compile_str(struct builder *b, const struct spec *sp, struct tep_print_arg *arg)
{
	struct tep_format_field *field;
	struct op *op, tmp;
	const char *a;
	char *text;
	size_t n;

	/* only '-', width and precision: no '0', '#' or length (%ls) */
	if ((sp->flags & (F_ZERO | F_ALT)) || sp->ls) {
		b->bad = true;
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.conv = 's';
	tmp.flags = (unsigned char)sp->flags;
	tmp.width = (short)sp->width;
	tmp.prec = (short)sp->prec;
	switch (arg->type) {
	case TEP_PRINT_ATOM:
		a = arg->atom.atom ? arg->atom.atom : "";
		n = strlen(a);
		if (sp->prec >= 0 && n > (size_t)sp->prec)
			n = sp->prec;
		text = malloc(n + sp->width + SLACK);
		if (!text) {
			b->bad = true;
			return;
		}
		add_lit(b, text, put_str(text, &tmp, a, n) - text);
		free(text);
		return;
	case TEP_PRINT_FIELD:
		field = arg_field(b->ev, arg->field.field, arg->field.name);
		/* a long-sized non-array is a pointer: printk format lookup, not ours */
		if (!field || field->offset < 0 || field->size < 0 ||
		    (uint64_t)field->offset + field->size > MAX_END ||
		    (!(field->flags & TEP_FIELD_IS_ARRAY) &&
		     field->size == tep_get_long_size(b->f->tep))) {
			b->bad = true;
			return;
		}
		tmp.kind = OP_STR_ARRAY;
		tmp.off = field->offset;
		tmp.len = field->size;
		need_size(b, field->offset + field->size);
		break;
	case TEP_PRINT_STRING:
		field = arg_field(b->ev, arg->string.field, arg->string.string);
		if (!field || field->offset < 0 || field->offset > MAX_END || field->size <= 0 ||
		    field->size > 8) {
			b->bad = true;
			return;
		}
		tmp.kind = OP_STR_DYN;
		tmp.off = field->offset;
		tmp.rsize = (unsigned char)field->size;
		if (field->flags & TEP_FIELD_IS_RELATIVE)
			tmp.rel = field->offset + field->size;
		need_size(b, field->offset + field->size);
		break;
	default:
		b->bad = true;
		return;
	}
	op = add_op(b);
	if (op)
		*op = tmp;
}

/* One conversion at @p ('%'): parse_arg_format(). Returns the text after it. */
static const char *compile_conv(struct builder *b, const char *p, struct tep_print_arg **arg)
{
	const char *q;
	struct spec sp;
	char bad[3];

	for (q = p + 1; *q; q++) {
		switch (*q) {
		case '#': case 'h': case 'l': case 'L': case 'z': case 'Z': case '.': case '-':
		case '0' ... '9':
			continue;
		case '*':
		case 'p':
			b->bad = true;
			return q + 1;
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 's':
			if (!*arg || q + 1 - p > MAX_SPEC || parse_spec(p, q + 1 - p, &sp)) {
				b->bad = true;
				return q + 1;
			}
			if (*q == 's')
				compile_str(b, &sp, *arg);
			else
				compile_int(b, &sp, *arg);
			*arg = (*arg)->next;
			return q + 1;
		default:
			/* libtraceevent prints the unknown conversion as ">c<" */
			bad[0] = '>';
			bad[1] = *q;
			bad[2] = '<';
			add_lit(b, bad, 3);
			return q + 1;
		}
	}
	return q;
}

/* Literal text up to the next conversion: parse_arg_string(). */
static const char *compile_text(struct builder *b, const char *p)
{
	char c;

	while (*p) {
		if (*p == '\\') {
			switch (p[1]) {
			case 0:
				b->bad = true;
				return p + 1;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			default:
				c = p[1];
			}
			add_lit(b, &c, 1);
			p += 2;
		} else if (*p == '%') {
			if (p[1] != '%')
				break;
			add_lit(b, "%", 1);
			p += 2;
		} else {
			const char *s = p;

			while (*p && *p != '\\' && *p != '%')
				p++;
			add_lit(b, s, p - s);
		}
	}
	return p;
}

static unsigned int op_fixed(const struct op *op)
{
	int n;

	switch (op->kind) {
	case OP_LIT:
		return op->len;
	case OP_INT:
		/* the width, or sign + "0x" + 22 octal digits or the precision */
		n = 3 + (op->prec > 22 ? op->prec : 22);
		return (unsigned int)(op->width > n ? op->width : n);
	default:
		return (unsigned int)op->width;
	}
}

static struct prog *compile(struct ks_evfast *f, struct tep_event *ev)
{
	struct tep_print_arg *arg = ev->print_fmt.args;
	const char *p = ev->print_fmt.format;
	struct builder b = { .ev = ev, .f = f };
	struct prog *pg = NULL;
	unsigned int after = 0;
	int i;

	if (!p || ev->handler || (ev->flags & (TEP_EVENT_FL_ISFTRACE | TEP_EVENT_FL_ISPRINT |
					       TEP_EVENT_FL_ISBPRINT | TEP_EVENT_FL_PRINTRAW |
					       TEP_EVENT_FL_FAILED)))
		return NULL;
	while (*p && !b.bad) {
		if (*p == '%' && p[1] != '%')
			p = compile_conv(&b, p, &arg);
		else
			p = compile_text(&b, p);
	}
	if (b.bad)
		goto out_free;
	for (i = b.nops - 1; i >= 0; i--) {
		b.ops[i].after = after;
		after += op_fixed(&b.ops[i]);
		if (after > MAX_FIXED)
			goto out_free;
	}
	pg = malloc(sizeof(*pg) + b.nops * sizeof(struct op));
	if (!pg)
		goto out_free;
	pg->nops = b.nops;
	pg->min_size = b.min_size;
	pg->fixed = after;
	pg->checked = 0;
	pg->pool = b.pool;
	if (b.nops)
		memcpy(pg->ops, b.ops, b.nops * sizeof(struct op));
	free(b.ops);
	return pg;

out_free:
	free(b.ops);
	free(b.pool);
	return NULL;
}

/* ---- the table -------------------------------------------------------------- */

struct ks_evfast *ks_evfast_new(struct tep_handle *tep, unsigned int verify)
{
	struct ks_evfast *f = calloc(1, sizeof(*f));
	int lsize = tep_get_long_size(tep);

	if (!f)
		return NULL;
	f->tep = tep;
	f->swap = tep_is_file_bigendian(tep) != tep_is_local_bigendian(tep);
	/* print_arg_number() passes (long)val, or long long when the file's long is
	 * 8 bytes and ours is not */
	f->long_bits = lsize == 8 && sizeof(long) != 8 ? 64 : 8 * (int)sizeof(long);
	f->verify = verify;
	trace_seq_init(&f->seq);
	return f;
}

void ks_evfast_free(struct ks_evfast *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->nslots; i++) {
		if (f->slots[i].prog)
			free(f->slots[i].prog->pool);
		free(f->slots[i].prog);
	}
	free(f->slots);
	trace_seq_destroy(&f->seq);
	free(f);
}

static struct slot *get_slot(struct ks_evfast *f, struct tep_event *ev)
{
	struct slot *s;
	int n;

	if (ev->id < 0 || ev->id >= MAX_EVENT_ID)
		return NULL;
	if (ev->id >= f->nslots) {
		n = ev->id < 256 ? 256 : ev->id + 1 + ev->id / 2;
		if (n > MAX_EVENT_ID)
			n = MAX_EVENT_ID;
		s = realloc(f->slots, n * sizeof(*s));
		if (!s)
			return NULL;
		memset(s + f->nslots, 0, (n - f->nslots) * sizeof(*s));
		f->slots = s;
		f->nslots = n;
	}
	s = &f->slots[ev->id];
	if (s->state == KS_EVFAST_NEW) {
		s->prog = compile(f, ev);
		s->state = s->prog ? KS_EVFAST_FAST : KS_EVFAST_SLOW;
		if (s->prog)
			f->st.compiled++;
		else
			f->st.unsupported++;
	}
	return s;
}

int ks_evfast_state(struct ks_evfast *f, struct tep_event *ev)
{
	struct slot *s = get_slot(f, ev);

	return s ? s->state : KS_EVFAST_SLOW;
}

int ks_evfast_format(struct ks_evfast *f, struct tep_event *ev, struct tep_record *rec,
		     char *buf, size_t cap)
{
	struct slot *s = get_slot(f, ev);
	struct prog *pg;
	int n;

	/* a handler or raw printing may have been set after the event was compiled */
	if (!s || s->state != KS_EVFAST_FAST || ev->handler ||
	    (ev->flags & (TEP_EVENT_FL_PRINTRAW | TEP_EVENT_FL_FAILED))) {
		f->st.slow++;
		return -EOPNOTSUPP;
	}
	pg = s->prog;
	n = run(f, pg, rec, buf, cap);
	if (n < 0) {
		f->st.slow++;
		return n;
	}
	if (pg->checked < f->verify) {
		trace_seq_reset(&f->seq);
		tep_print_event(f->tep, &f->seq, rec, "%s", TEP_PRINT_INFO);
		if ((int)f->seq.len != n || memcmp(f->seq.buffer, buf, n)) {
			s->state = KS_EVFAST_OFF;
			f->st.mismatched++;
			f->st.slow++;
			return -EOPNOTSUPP;
		}
		pg->checked++;
		f->st.verified++;
	}
	f->st.fast++;
	return n;
}

void ks_evfast_get_stats(const struct ks_evfast *f, struct ks_evfast_stats *st)
{
	*st = f->st;
}

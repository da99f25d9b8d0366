// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SVG flame graph writer. Layout and behaviour follow flamegraph.pl (the
 * FlameGraph project), the code is kscope's own: two walks over the profile, one
 * to find which frames are kept and how deep the graph is, one to write them.
 *
 * Each frame is <g class="f" data-o=OFFSET data-n=WEIGHT data-d=DEPTH> holding a
 * <title> ("name (N samples, P%)"), a <rect> and a <text> label. The script zooms
 * and searches from those integer attributes, so zoom is exact and the matched
 * share is computed from sample counts, not from pixels.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/hash.h"
#include "kscope/output/flamegraph.h"

#define FRAME_H		16.0
#define FONT_SIZE	12.0
#define CHAR_W		(FONT_SIZE * 0.59)	/* average glyph width, as flamegraph.pl */
#define XPAD		10.0
#define FLUSH_AT	(1 << 16)
#define SEARCH_COLOR	"rgb(230,0,230)"

void ks_flame_opts_init(struct ks_flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->palette = KS_FLAME_HOT;
	o->minwidth = 0.1;
	o->width = 1200;
}

int ks_flame_parse_palette(const char *name, enum ks_flame_palette *p)
{
	static const char *const names[] = {
		[KS_FLAME_HOT] = "hot", [KS_FLAME_MEM] = "mem", [KS_FLAME_IO] = "io",
		[KS_FLAME_WAKEUP] = "wakeup", [KS_FLAME_CHAIN] = "chain",
	};
	size_t i;

	for (i = 0; i < KS_ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*p = (enum ks_flame_palette)i;
			return 0;
		}
	}
	return -EINVAL;
}

int ks_flame_parse_minwidth(const char *s, struct ks_flame_opts *o)
{
	char *end;
	double v;
	int pct = 0;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "%"))
		pct = 1;
	else if (*end && strcmp(end, "px"))
		return -EINVAL;
	if (pct && v > 100)
		return -EINVAL;
	o->minwidth = v;
	o->minwidth_pct = pct;
	return 0;
}

/* Text for XML: valid UTF-8 only, markup escaped. */

/* One code point from @s (at most @len bytes): its length; U+FFFD for a bad sequence. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (n > len) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	*cp = c;
	return n;
}

/* Append @len bytes of @s, at most @max code points of it, escaped for XML. */
static int add_xml(struct ks_buf *b, const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, count = 0;
	uint32_t cp;
	int ret = 0;

	while (i < len && count < max && !ret) {
		n = utf8_next(p + i, len - i, &cp);
		count++;
		if (cp == '&')
			ret = ks_buf_add(b, "&amp;", 5);
		else if (cp == '<')
			ret = ks_buf_add(b, "&lt;", 4);
		else if (cp == '>')
			ret = ks_buf_add(b, "&gt;", 4);
		else if (cp == '"')
			ret = ks_buf_add(b, "&quot;", 6);
		else if (cp == '\'')
			ret = ks_buf_add(b, "&#39;", 5);
		else if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
			ret = ks_buf_add(b, "?", 1);	/* not allowed in XML 1.0 */
		else if (cp == 0xfffd)
			ret = ks_buf_add(b, "\xef\xbf\xbd", 3);
		else
			ret = ks_buf_add(b, s + i, n);
		i += n;
	}
	return ret;
}

static size_t utf8_count(const char *s, size_t len)
{
	size_t i = 0, count = 0;
	uint32_t cp;

	while (i < len) {
		i += utf8_next((const unsigned char *)s + i, len - i, &cp);
		count++;
	}
	return count;
}

/* The length of @name without a "_[k]", "_[w]", "_[j]" or "_[i]" annotation. */
static size_t bare_len(const char *name)
{
	size_t len = strlen(name);

	if (len >= 4 && name[len - 4] == '_' && name[len - 3] == '[' && name[len - 1] == ']' &&
	    strchr("kwij", name[len - 2]))
		return len - 4;
	return len;
}

/* The label that fits @width pixels: what is drawn, and what the script redraws. */
static int add_label(struct ks_buf *b, const char *name, double width)
{
	size_t len = bare_len(name), chars = width > 0 ? (size_t)(width / CHAR_W) : 0, cps;
	int ret;

	if (chars < 3)
		return 0;
	cps = utf8_count(name, len);
	if (cps <= chars)
		return add_xml(b, name, len, cps);
	ret = add_xml(b, name, len, chars - 2);
	return ret ? ret : ks_buf_add(b, "..", 2);
}

static int add_count(struct ks_buf *b, uint64_t v)
{
	char digits[32], out[48];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), i, j = 0;

	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	return ks_buf_add(b, out, j);
}

/* Colours. */

struct rgb {
	int r, g, b;
};

enum family { HOT, MEM, IO, AQUA, BLUE, ORANGE, PURPLE, GREEN };

/* Three numbers in [0, 1) from the frame name: the same name, the same colour. */
static void name_vec(const char *name, double v[3])
{
	uint64_t h = ks_hash_fnv(KS_HASH_SEED, name, bare_len(name));
	size_t i;

	/* Half a finalizer: colours stay what they have always been. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	for (i = 0; i < 3; i++)
		v[i] = (double)((h >> (21 * i)) & 0x1fffff) / (double)(1 << 21);
}

static struct rgb family_color(enum family f, const double v[3])
{
	switch (f) {
	case HOT:
		return (struct rgb){ 205 + (int)(50 * v[2]), (int)(230 * v[0]), (int)(55 * v[1]) };
	case MEM:
		return (struct rgb){ 0, 190 + (int)(50 * v[1]), (int)(210 * v[0]) };
	case IO: {
		int x = 80 + (int)(60 * v[0]);

		return (struct rgb){ x, x, 190 + (int)(55 * v[1]) };
	}
	case AQUA:
		return (struct rgb){ 50 + (int)(60 * v[0]), 165 + (int)(55 * v[0]),
				     165 + (int)(55 * v[0]) };
	case BLUE: {
		int x = 80 + (int)(60 * v[0]);

		return (struct rgb){ x, x, 205 + (int)(50 * v[0]) };
	}
	case ORANGE:
		return (struct rgb){ 190 + (int)(65 * v[0]), 90 + (int)(65 * v[0]), 0 };
	case PURPLE:
		return (struct rgb){ 190 + (int)(65 * v[0]), 80 + (int)(60 * v[0]),
				     190 + (int)(65 * v[0]) };
	case GREEN:
	default:
		return (struct rgb){ 50 + (int)(60 * v[0]), 200 + (int)(55 * v[0]),
				     50 + (int)(60 * v[0]) };
	}
}

/*
 * Kernel frames get a family of their own: aqua next to the warm "hot" colours,
 * orange next to the cool ones; in "chain", purple (off-CPU) and green (waker).
 */
static struct rgb palette_color(enum ks_flame_palette p, const char *name, int waker)
{
	int kern = ks_stacks_frame_is_kernel(name);
	enum family f;
	double v[3];

	if (!strcmp(name, "--"))
		return (struct rgb){ 160, 160, 160 };
	if (!strcmp(name, "-"))
		return (struct rgb){ 200, 200, 200 };
	switch (p) {
	case KS_FLAME_MEM:
		f = kern ? ORANGE : MEM;
		break;
	case KS_FLAME_IO:
		f = kern ? ORANGE : IO;
		break;
	case KS_FLAME_WAKEUP:
		f = kern ? ORANGE : AQUA;
		break;
	case KS_FLAME_CHAIN:
		if (waker)
			f = kern ? GREEN : AQUA;
		else
			f = kern ? PURPLE : BLUE;
		break;
	case KS_FLAME_HOT:
	default:
		f = kern ? AQUA : HOT;
		break;
	}
	name_vec(name, v);
	return family_color(f, v);
}

/* Differential: red if the frame's own weight grew, blue if it shrank. */
static struct rgb delta_color(const struct ks_stacks_weight *w, uint64_t maxdelta)
{
	uint64_t d = w->self >= w->base_self ? w->self - w->base_self : w->base_self - w->self;
	int x;

	if (!d || !maxdelta)
		return (struct rgb){ 255, 255, 255 };
	x = (int)(210.0 * (double)(maxdelta - d) / (double)maxdelta);
	if (w->self > w->base_self)
		return (struct rgb){ 255, x, x };
	return (struct rgb){ x, x, 255 };
}

/* The walks. */

struct svg {
	const struct ks_flame_opts *o;
	struct ks_buf b;
	int fd;
	int diff;
	uint64_t total;
	double scale;			/* pixels per unit of weight */
	double min_weight;		/* frames lighter than this are left out */
	double height, ypad1, ypad2;
	const char *countname;
	/* measure */
	unsigned int maxdepth;
	uint64_t kept, maxdelta;
	/* chain: whether depth d is below a "--" separator */
	unsigned char *waker;
	size_t waker_cap;
};

static int keep(const struct svg *g, const struct ks_stacks_frame *f)
{
	return f->w.total && (double)f->w.total >= g->min_weight;
}

static int measure(const struct ks_stacks_frame *f, void *arg)
{
	struct svg *g = arg;
	uint64_t d;

	if (!keep(g, f))
		return 1;
	g->kept++;
	if (f->depth > g->maxdepth)
		g->maxdepth = f->depth;
	d = f->w.self >= f->w.base_self ? f->w.self - f->w.base_self : f->w.base_self - f->w.self;
	if (d > g->maxdelta)
		g->maxdelta = d;
	return 0;
}

static double frame_y(const struct svg *g, unsigned int depth)
{
	if (g->o->inverted)
		return g->ypad1 + depth * FRAME_H;
	return g->height - g->ypad2 - (depth + 1) * FRAME_H + 1;
}

static int flush(struct svg *g, size_t at)
{
	int ret;

	if (g->b.len < at)
		return 0;
	ret = ks_write_all(g->fd, g->b.data, g->b.len);
	g->b.len = 0;
	return ret;
}

/* One <g> for one frame (depth 0: the root, "all"). */
/*
 * Numbers for the frames' attributes, written by hand: printf's float conversion
 * took a third of the time of drawing a graph. A value that sits within a hair of
 * a rounding tie, or is out of range, goes through snprintf so that the text is
 * always what "%.*f" prints.
 */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_fixed(char *p, double v, int decimals)
{
	static const double scale[] = { 1, 10, 100 };
	double sv = v * scale[decimals];
	uint64_t i, unit = (uint64_t)scale[decimals];
	int n;

	if (!(v >= 0 && sv < 1e15) || fabs(sv - (double)(uint64_t)sv - 0.5) < 1e-6) {
		n = snprintf(p, 32, "%.*f", decimals, v);
		return p + (n < 0 ? 0 : n < 32 ? n : 31);
	}
	i = (uint64_t)(sv + 0.5);
	p = put_u64(p, i / unit);
	if (decimals) {
		*p++ = '.';
		if (decimals == 2)
			*p++ = (char)('0' + i / 10 % 10);
		*p++ = (char)('0' + i % 10);
	}
	return p;
}

static int add_frame(struct svg *g, const char *name, unsigned int depth, uint64_t off,
		     const struct ks_stacks_weight *w, struct rgb c)
{
	struct ks_buf *b = &g->b;
	double x = XPAD + (double)off * g->scale, y = frame_y(g, depth);
	double width = (double)w->total * g->scale;
	int64_t d;
	char num[320], *p = num;
	int ret;

	p = put_str(p, "<g class=\"f\" data-o=\"");
	p = put_u64(p, off);
	p = put_str(p, "\" data-n=\"");
	p = put_u64(p, w->total);
	p = put_str(p, "\" data-d=\"");
	p = put_u64(p, depth);
	p = put_str(p, "\"><title>");
	ret = ks_buf_add(b, num, p - num);
	if (!ret)
		ret = add_xml(b, name, strlen(name), SIZE_MAX);
	if (!ret)
		ret = ks_buf_add(b, " (", 2);
	if (!ret)
		ret = add_count(b, w->total);
	if (!ret)
		ret = ks_buf_addf(b, " %s, ", g->countname);
	p = put_fixed(num, 100.0 * (double)w->total / (double)g->total, 2);
	*p++ = '%';
	if (!ret)
		ret = ks_buf_add(b, num, p - num);
	if (!ret && g->diff && depth == 0) {
		ret = ks_buf_add(b, "; base ", 7);
		if (!ret)
			ret = add_count(b, w->base_total);
	} else if (!ret && g->diff) {
		ret = ks_buf_add(b, "; base ", 7);
		if (!ret)
			ret = add_count(b, w->base_total);
		/* The change of the frame's own weight, which its colour shows. */
		d = w->self >= w->base_self ? (int64_t)(w->self - w->base_self)
					    : -(int64_t)(w->base_self - w->self);
		if (!ret)
			ret = ks_buf_addf(b, "; self %+lld, %+.2f%%", (long long)d,
					  100.0 * (double)d / (double)g->total);
	}
	p = put_str(num, ")</title><rect x=\"");
	p = put_fixed(p, x, 2);
	p = put_str(p, "\" y=\"");
	p = put_fixed(p, y, 1);
	p = put_str(p, "\" width=\"");
	p = put_fixed(p, width, 2);
	p = put_str(p, "\" height=\"");
	p = put_fixed(p, FRAME_H - 1, 1);
	p = put_str(p, "\" fill=\"rgb(");
	p += snprintf(p, 40, "%d,%d,%d", c.r, c.g, c.b);
	p = put_str(p, ")\" rx=\"2\" ry=\"2\"/><text x=\"");
	p = put_fixed(p, x + 3, 2);
	p = put_str(p, "\" y=\"");
	p = put_fixed(p, y + 10.5, 1);
	p = put_str(p, "\">");
	if (!ret)
		ret = ks_buf_add(b, num, p - num);
	if (!ret)
		ret = add_label(b, name, width);
	if (!ret)
		ret = ks_buf_add(b, "</text></g>\n", 12);
	if (ret)
		return ret;
	return flush(g, FLUSH_AT);
}

static int draw(const struct ks_stacks_frame *f, void *arg)
{
	struct svg *g = arg;
	struct rgb c;
	int waker, ret;

	if (!keep(g, f))
		return 1;
	if (f->depth >= g->waker_cap) {
		size_t cap = g->waker_cap ? 2 * g->waker_cap : 64;
		unsigned char *p;

		while (cap <= f->depth)
			cap *= 2;
		p = realloc(g->waker, cap);
		if (!p)
			return -ENOMEM;
		g->waker = p;
		g->waker_cap = cap;
	}
	/* Frames after a "--" separator (or marked "_[w]") belong to the waker. */
	waker = f->depth > 1 && g->waker[f->depth - 1];
	g->waker[f->depth] = waker || !strcmp(f->name, "--");
	if (!waker) {
		size_t len = strlen(f->name);

		waker = len >= 4 && !strcmp(f->name + len - 4, "_[w]");
	}
	if (g->diff)
		c = delta_color(&f->w, g->maxdelta);
	else
		c = palette_color(g->o->palette, f->name, waker);
	ret = add_frame(g, f->name, f->depth, f->offset, &f->w, c);
	return ret < 0 ? ret : 0;
}

static const char style[] =
	"text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
	"#title { text-anchor: middle; font-size: 17px; }\n"
	"#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
	"#matched { text-anchor: end; }\n"
	"#search, #ignorecase, #unzoom { cursor: pointer; }\n"
	"#search, #ignorecase { opacity: 0.2; }\n"
	"#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }\n"
	".hide { display: none; }\n"
	".parent { opacity: 0.5; }\n"
	"#frames > g { cursor: pointer; }\n"
	"#frames > g:hover > rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n";

/*
 * Hover shows a frame's title below the graph; a click zooms into the frame (its
 * ancestors stretched and dimmed, everything else hidden); "Reset Zoom", a click
 * on the root or Escape zooms out; "Search" or Ctrl-F asks for a regular
 * expression, highlights the frames whose names match and shows their share of
 * the graph (or of the zoomed frame), each sample counted once; "ic" or Ctrl-I
 * ignores case. The state is kept in the URL (?s=REGEX&z=DEPTH,OFFSET), so a
 * link, a reload or a headless browser shows the same view.
 */
static const char script[] =
	"\"use strict\";\n"
	"var frames, details, matchedtxt, unzoombtn, searchbtn, icbtn;\n"
	"var total, width, xpad, charw, countname;\n"
	"var zoomed = null, term = null, ignorecase = false;\n"
	"function init(evt) {\n"
	"\tvar f = document.getElementById(\"frames\");\n"
	"\tframes = f.children;\n"
	"\ttotal = +f.getAttribute(\"data-total\");\n"
	"\twidth = +f.getAttribute(\"data-width\");\n"
	"\txpad = +f.getAttribute(\"data-xpad\");\n"
	"\tcharw = +f.getAttribute(\"data-charw\");\n"
	"\tcountname = f.getAttribute(\"data-countname\");\n"
	"\tdetails = document.getElementById(\"details\").firstChild;\n"
	"\tmatchedtxt = document.getElementById(\"matched\").firstChild;\n"
	"\tunzoombtn = document.getElementById(\"unzoom\");\n"
	"\tsearchbtn = document.getElementById(\"search\");\n"
	"\ticbtn = document.getElementById(\"ignorecase\");\n"
	"\tvar p = get_params();\n"
	"\tif (p.z) {\n"
	"\t\tvar g = find_frame(p.z);\n"
	"\t\tif (g) zoom(g);\n"
	"\t}\n"
	"\tif (p.s) search(p.s);\n"
	"\twindow.addEventListener(\"click\", function (e) {\n"
	"\t\tvar g = frame_of(e.target);\n"
	"\t\tif (g) zoom(g);\n"
	"\t\telse if (e.target.id == \"unzoom\") unzoom();\n"
	"\t\telse if (e.target.id == \"search\") search_button();\n"
	"\t\telse if (e.target.id == \"ignorecase\") toggle_ignorecase();\n"
	"\t}, false);\n"
	"\twindow.addEventListener(\"mouseover\", function (e) {\n"
	"\t\tvar g = frame_of(e.target);\n"
	"\t\tif (g) details.nodeValue = \"Function: \" + title_of(g);\n"
	"\t}, false);\n"
	"\twindow.addEventListener(\"mouseout\", function (e) {\n"
	"\t\tif (frame_of(e.target)) details.nodeValue = \" \";\n"
	"\t}, false);\n"
	"\twindow.addEventListener(\"keydown\", function (e) {\n"
	"\t\tif (e.key == \"F3\" || (e.ctrlKey && (e.key == \"f\" || e.key == \"F\"))) {\n"
	"\t\t\te.preventDefault();\n"
	"\t\t\tsearch_prompt();\n"
	"\t\t} else if (e.ctrlKey && (e.key == \"i\" || e.key == \"I\")) {\n"
	"\t\t\te.preventDefault();\n"
	"\t\t\ttoggle_ignorecase();\n"
	"\t\t} else if (e.key == \"Escape\") {\n"
	"\t\t\tunzoom();\n"
	"\t\t}\n"
	"\t}, false);\n"
	"}\n"
	"function num(g, a) { return +g.getAttribute(\"data-\" + a); }\n"
	"function frame_of(n) {\n"
	"\tfor (; n && n.parentNode; n = n.parentNode)\n"
	"\t\tif (n.parentNode.id == \"frames\") return n;\n"
	"\treturn null;\n"
	"}\n"
	"function find_frame(z) {\n"
	"\tvar dz = z.split(\",\");\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i];\n"
	"\t\tif (num(f, \"d\") == +dz[0] && num(f, \"o\") == +dz[1]) return f;\n"
	"\t}\n"
	"\treturn null;\n"
	"}\n"
	"function title_of(g) { return g.querySelector(\"title\").textContent; }\n"
	"function name_of(g) { return title_of(g).replace(/ \\([^(]*\\)$/, \"\"); }\n"
	"function fmt(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, \",\"); }\n"
	"function label(g, w) {\n"
	"\tvar t = g.querySelector(\"text\"), name = name_of(g).replace(/_\\[[kwij]\\]$/, \"\");\n"
	"\tvar chars = Math.floor(w / charw);\n"
	"\tif (chars < 3) t.textContent = \"\";\n"
	"\telse if (name.length > chars) t.textContent = name.substring(0, chars - 2) + \"..\";\n"
	"\telse t.textContent = name;\n"
	"}\n"
	"function place(g, x, w) {\n"
	"\tvar r = g.querySelector(\"rect\");\n"
	"\tr.setAttribute(\"x\", x.toFixed(2));\n"
	"\tr.setAttribute(\"width\", w.toFixed(2));\n"
	"\tg.querySelector(\"text\").setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"\tlabel(g, w);\n"
	"}\n"
	"function zoom(g) {\n"
	"\tvar o = num(g, \"o\"), n = num(g, \"n\"), d = num(g, \"d\");\n"
	"\tif (d == 0) {\n"
	"\t\tunzoom();\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tvar scale = (width - 2 * xpad) / n;\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i], fo = num(f, \"o\"), fn = num(f, \"n\"), fd = num(f, \"d\");\n"
	"\t\tf.classList.remove(\"parent\");\n"
	"\t\tf.classList.remove(\"hide\");\n"
	"\t\tif (fd < d && fo <= o && fo + fn >= o + n) {\n"
	"\t\t\tf.classList.add(\"parent\");\n"
	"\t\t\tplace(f, xpad, width - 2 * xpad);\n"
	"\t\t} else if (fd >= d && fo >= o && fo + fn <= o + n) {\n"
	"\t\t\tplace(f, xpad + (fo - o) * scale, fn * scale);\n"
	"\t\t} else {\n"
	"\t\t\tf.classList.add(\"hide\");\n"
	"\t\t}\n"
	"\t}\n"
	"\tzoomed = g;\n"
	"\tunzoombtn.classList.remove(\"hide\");\n"
	"\tset_param(\"z\", d + \",\" + o);\n"
	"\tif (term !== null) search(term);\n"
	"}\n"
	"function unzoom() {\n"
	"\tvar scale = (width - 2 * xpad) / total;\n"
	"\tfor (var i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i];\n"
	"\t\tf.classList.remove(\"parent\");\n"
	"\t\tf.classList.remove(\"hide\");\n"
	"\t\tplace(f, xpad + num(f, \"o\") * scale, num(f, \"n\") * scale);\n"
	"\t}\n"
	"\tzoomed = null;\n"
	"\tunzoombtn.classList.add(\"hide\");\n"
	"\tset_param(\"z\", null);\n"
	"\tif (term !== null) search(term);\n"
	"}\n"
	"function clear_highlight() {\n"
	"\tvar r = document.querySelectorAll(\"#frames rect[data-fill]\");\n"
	"\tfor (var i = 0; i < r.length; i++) {\n"
	"\t\tr[i].setAttribute(\"fill\", r[i].getAttribute(\"data-fill\"));\n"
	"\t\tr[i].removeAttribute(\"data-fill\");\n"
	"\t}\n"
	"}\n"
	"function search(t) {\n"
	"\tvar re, hits = [], zo = 0, zn = total, sum = 0, end = -1, i;\n"
	"\ttry {\n"
	"\t\tre = new RegExp(t, ignorecase ? \"i\" : \"\");\n"
	"\t} catch (e) {\n"
	"\t\tmatchedtxt.nodeValue = \"Bad regular expression\";\n"
	"\t\treturn;\n"
	"\t}\n"
	"\tclear_highlight();\n"
	"\tterm = t;\n"
	"\tif (zoomed) {\n"
	"\t\tzo = num(zoomed, \"o\");\n"
	"\t\tzn = num(zoomed, \"n\");\n"
	"\t}\n"
	"\tfor (i = 0; i < frames.length; i++) {\n"
	"\t\tvar f = frames[i], r, a, b;\n"
	"\t\tif (num(f, \"d\") == 0 || !re.test(name_of(f))) continue;\n"
	"\t\tr = f.querySelector(\"rect\");\n"
	"\t\tr.setAttribute(\"data-fill\", r.getAttribute(\"fill\"));\n"
	"\t\tr.setAttribute(\"fill\", \"rgb(230,0,230)\");\n"
	"\t\ta = Math.max(num(f, \"o\"), zo);\n"
	"\t\tb = Math.min(num(f, \"o\") + num(f, \"n\"), zo + zn);\n"
	"\t\tif (b > a) hits.push([a, b]);\n"
	"\t}\n"
	"\t/* Frames nest: count each outermost match once. */\n"
	"\thits.sort(function (x, y) { return x[0] - y[0] || y[1] - x[1]; });\n"
	"\tfor (i = 0; i < hits.length; i++) {\n"
	"\t\tif (hits[i][0] >= end) {\n"
	"\t\t\tsum += hits[i][1] - hits[i][0];\n"
	"\t\t\tend = hits[i][1];\n"
	"\t\t}\n"
	"\t}\n"
	"\tvar pct = 100 * sum / zn;\n"
	"\tsearchbtn.classList.add(\"show\");\n"
	"\tsearchbtn.firstChild.nodeValue = \"Reset Search\";\n"
	"\tpct = pct == 100 ? \"100\" : pct.toFixed(1);\n"
	"\tpct = \"Matched: \" + pct + \"% (\" + fmt(sum) + \" \" + countname + \")\";\n"
	"\tmatchedtxt.nodeValue = pct;\n"
	"\tset_param(\"s\", t);\n"
	"}\n"
	"function reset_search() {\n"
	"\tclear_highlight();\n"
	"\tterm = null;\n"
	"\tsearchbtn.classList.remove(\"show\");\n"
	"\tsearchbtn.firstChild.nodeValue = \"Search\";\n"
	"\tmatchedtxt.nodeValue = \" \";\n"
	"\tset_param(\"s\", null);\n"
	"}\n"
	"function search_prompt() {\n"
	"\tvar t = prompt(\"Search for (regular expression, e.g. ^ext4_)\" +\n"
	"\t\t(ignorecase ? \", ignoring case\" : \"\") + \":\", term !== null ? term : \"\");\n"
	"\tif (t) search(t);\n"
	"}\n"
	"function search_button() {\n"
	"\tif (term !== null) reset_search();\n"
	"\telse search_prompt();\n"
	"}\n"
	"function toggle_ignorecase() {\n"
	"\tignorecase = !ignorecase;\n"
	"\tif (ignorecase) icbtn.classList.add(\"show\");\n"
	"\telse icbtn.classList.remove(\"show\");\n"
	"\tif (term !== null) search(term);\n"
	"}\n"
	"function get_params() {\n"
	"\tvar p = {}, q = window.location.search.substring(1).split(\"&\");\n"
	"\tfor (var i = 0; i < q.length; i++) {\n"
	"\t\tvar k = q[i].indexOf(\"=\");\n"
	"\t\tif (k <= 0) continue;\n"
	"\t\ttry {\n"
	"\t\t\tp[q[i].substring(0, k)] = decodeURIComponent(q[i].substring(k + 1));\n"
	"\t\t} catch (e) {\n"
	"\t\t}\n"
	"\t}\n"
	"\treturn p;\n"
	"}\n"
	"function set_param(k, v) {\n"
	"\tvar p = get_params(), q = [];\n"
	"\tif (v === null) delete p[k];\n"
	"\telse p[k] = v;\n"
	"\tfor (var key in p) q.push(key + \"=\" + encodeURIComponent(p[key]));\n"
	"\ttry {\n"
	"\t\tvar url = q.length ? \"?\" + q.join(\"&\") : location.pathname;\n"
	"\t\thistory.replaceState(null, \"\", url);\n"
	"\t} catch (e) {\n"
	"\t}\n"
	"}\n";

int ks_flame_write_svg(const struct ks_stacks *s, const struct ks_flame_opts *o, int fd,
		       struct ks_err *err)
{
	struct ks_stacks_weight root = { 0 };
	struct ks_buf countname = { 0 };
	struct rgb c;
	struct svg g = { 0 };
	const char *title, *bg1 = "#eeeeee", *bg2 = "#eeeeb0";
	unsigned int width = o->width ? o->width : 1200;
	int ret;

	g.o = o;
	g.fd = fd;
	g.diff = ks_stacks_is_diff(s);
	g.total = ks_stacks_total(s);
	if (!g.total)
		return ks_err_set(err, -EINVAL, "nothing to draw: the profile has no samples");
	ret = add_xml(&countname, o->countname ? o->countname : "samples",
		      strlen(o->countname ? o->countname : "samples"), SIZE_MAX);
	if (ret)
		goto out_nomem;
	g.countname = countname.data;
	g.scale = (width - 2 * XPAD) / (double)g.total;
	if (o->minwidth_pct)
		g.min_weight = (double)g.total * o->minwidth / 100;
	else
		g.min_weight = o->minwidth / g.scale;
	ret = ks_stacks_walk(s, measure, &g);
	if (ret)
		goto out_nomem;

	g.ypad1 = FONT_SIZE * 3 + (o->subtitle && *o->subtitle ? FONT_SIZE * 1.5 : 0);
	g.ypad2 = FONT_SIZE * 2 + 10;
	g.height = (g.maxdepth + 1) * FRAME_H + g.ypad1 + g.ypad2;
	if (g.diff) {
		bg1 = "#f8f8f8";
		bg2 = "#e8e8e8";
	} else if (o->palette == KS_FLAME_MEM) {
		bg1 = "#eef2ee";
		bg2 = "#e0ffe0";
	} else if (o->palette != KS_FLAME_HOT) {
		bg2 = "#e0e0ff";
	}
	title = o->title;
	if (!title && g.diff)
		title = o->inverted ? "Differential Icicle Graph" : "Differential Flame Graph";
	else if (!title)
		title = o->inverted ? "Icicle Graph" : "Flame Graph";

	ret = ks_buf_addf(&g.b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			  "<svg version=\"1.1\" width=\"%u\" height=\"%.0f\" "
			  "viewBox=\"0 0 %u %.0f\" onload=\"init(evt)\" "
			  "xmlns=\"http://www.w3.org/2000/svg\">\n"
			  "<!-- Flame graph drawn by kscope flame. Hover for details, "
			  "click to zoom, Ctrl-F to search. -->\n",
			  width, g.height, width, g.height);
	if (!ret)
		ret = ks_buf_addf(&g.b, "<defs><linearGradient id=\"background\" y1=\"0\" "
				  "y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"%s\" "
				  "offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
				  "</linearGradient></defs>\n"
				  "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
				  "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n"
				  "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%.0f\" "
				  "fill=\"url(#background)\"/>\n"
				  "<text id=\"title\" x=\"%u\" y=\"%.0f\">",
				  bg1, bg2, style, script, width, g.height,
				  width / 2, FONT_SIZE * 2);
	if (!ret)
		ret = add_xml(&g.b, title, strlen(title), SIZE_MAX);
	if (!ret)
		ret = ks_buf_add(&g.b, "</text>\n", 8);
	if (!ret && o->subtitle && *o->subtitle) {
		ret = ks_buf_addf(&g.b, "<text id=\"subtitle\" x=\"%u\" y=\"%.0f\">", width / 2,
				  FONT_SIZE * 3.5);
		if (!ret)
			ret = add_xml(&g.b, o->subtitle, strlen(o->subtitle), SIZE_MAX);
		if (!ret)
			ret = ks_buf_add(&g.b, "</text>\n", 8);
	}
	if (!ret)
		ret = ks_buf_addf(&g.b, "<text id=\"details\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
				  "<text id=\"unzoom\" class=\"hide\" x=\"%.0f\" y=\"%.0f\">"
				  "Reset Zoom</text>\n"
				  "<text id=\"search\" x=\"%.0f\" y=\"%.0f\">Search</text>\n"
				  "<text id=\"ignorecase\" x=\"%.0f\" y=\"%.0f\">ic</text>\n"
				  "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
				  "<g id=\"frames\" data-total=\"%llu\" data-width=\"%u\" "
				  "data-xpad=\"%.0f\" data-charw=\"%.2f\" data-countname=\"%s\">\n",
				  XPAD, g.height - g.ypad2 / 2, XPAD, FONT_SIZE * 2,
				  width - XPAD - 110, FONT_SIZE * 2,
				  width - XPAD - 16, FONT_SIZE * 2,
				  width - XPAD, g.height - g.ypad2 / 2,
				  (unsigned long long)g.total, width, XPAD, CHAR_W, g.countname);
	if (ret)
		goto out_nomem;

	root.total = g.total;
	root.base_total = ks_stacks_base_total(s);
	c = g.diff ? (struct rgb){ 255, 255, 255 } : palette_color(o->palette, "all", 0);
	ret = add_frame(&g, "all", 0, 0, &root, c);
	if (!ret)
		ret = ks_stacks_walk(s, draw, &g);
	if (!ret)
		ret = ks_buf_add(&g.b, "</g>\n</svg>\n", 12);
	if (!ret)
		ret = flush(&g, 0);
	if (ret == -ENOMEM)
		goto out_nomem;
	if (ret)
		ks_err_set(err, ret, "write: %s", strerror(-ret));
	goto out_free;

out_nomem:
	ret = ks_err_set(err, -ENOMEM, "out of memory drawing the flame graph");
out_free:
	ks_buf_free(&g.b);
	ks_buf_free(&countname);
	free(g.waker);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests: symbols. kallsyms parsing and lookups; the symfix fixture (built by
 * the Makefile next to this binary) with DWARF, with debuginfo found by build-id and
 * by .gnu_debuglink under fake symfs roots, stripped; statuses of files that cannot
 * be used; corrupt ELF files; the cache; timings of lookups in libc.
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/symbols/elfsym.h"
#include "kscope/symbols/symbols.h"
#include "kscope/base/util.h"
#include "tap.h"

/* The directory of this binary: the fixtures are there. */
static char fixdir[PATH_MAX - 256];

static const char *fixture(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", fixdir, name);
	return buf;
}

static struct ks_syms *syms_new(const char *symfs, bool no_lines)
{
	struct ks_syms_opts o = { .symfs = symfs, .no_lines = no_lines };
	struct ks_syms *s;
	struct ks_err err;

	if (ks_syms_new(&s, &o, &err)) {
		printf("Bail out! ks_syms_new: %s\n", err.msg);
		exit(1);
	}
	return s;
}

/* File offset of @func in the unstripped @path, independently of the module tested. */
static uint64_t func_off(const char *path, const char *func)
{
	struct ks_err err;
	uint64_t off = 0;

	if (ks_elf_func_offset(path, func, &off, &err)) {
		printf("Bail out! %s\n", err.msg);
		exit(1);
	}
	return off;
}

static size_t file_build_id(const char *path, uint8_t *bid, size_t size)
{
	int fd = open(path, O_RDONLY);
	const void *p;
	ssize_t n = -1;
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	if (elf)
		n = dwelf_elf_gnu_build_id(elf, &p);
	if (n > 0 && (size_t)n <= size)
		memcpy(bid, p, n);
	else
		n = 0;
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return n;
}

static const char *base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/*
 * Source lines, independently of DWARF: @first is the line holding @start, @last
 * the next line that is a lone "}" (@last = @first if @start is not a function).
 */
static bool src_lines(const char *file, const char *start, unsigned int *first,
		      unsigned int *last)
{
	char *text, *line, *save = NULL;
	unsigned int n = 0;

	*first = *last = 0;
	if (!file || ks_read_file(file, &text, NULL))
		return false;
	/* strtok_r would skip empty lines: split by hand */
	for (line = text; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		n++;
		if (!*first && strstr(line, start))
			*first = *last = n;
		else if (*first && *last == *first && !strcmp(line, "}"))
			*last = n;
		if (*first && *last != *first)
			break;
	}
	free(text);
	return *first != 0;
}

static bool line_in(const struct ks_sym_line *l, const char *start)
{
	unsigned int first, last;

	return l->file && src_lines(l->file, start, &first, &last) && l->line >= first &&
	       l->line <= last;
}

/* The innermost and the outermost function, "-" if none: safe to compare and print. */
static const char *func0(const struct ks_sym *sym)
{
	return sym->nlines && sym->lines[0].func ? sym->lines[0].func : "-";
}

static const char *outer(const struct ks_sym *sym)
{
	return sym->nlines && sym->lines[sym->nlines - 1].func ?
	       sym->lines[sym->nlines - 1].func : "-";
}

/* ---- kernel ---- */

static const char ktext[] =
	"ffffffff81000100 t local_fn\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 t alias_local\n"
	"ffffffff81000200 W weak_fn\n"
	"ffffffff81000300 D some_data\n"
	"ffffffff81000400 T after_data\n"
	"0000000000000000 A fixed_percpu_data\n"
	"garbage line\n"
	"ffffffff81000500\n"
	"ffffffff81000600 T\n"
	"ffffffff81001000 T _etext\r\n"
	"ffffffffc0001000 t mod_fn\t[mymod]\n"
	"ffffffffc0001080 T mod_fn2\t[mymod]\n"
	"ffffffffc0200000 t other_fn\t[othermod]\n"
	"ffffffffc0300000 t last_fn\t[othermod]";

static int klook(struct ks_syms *s, uint64_t addr, const char **name, uint64_t *off,
		 const char **module)
{
	struct ks_sym sym;
	int ret = ks_syms_kernel(s, addr, &sym, module);

	*name = ret ? NULL : sym.lines[0].func;
	*off = sym.offset;
	if (!ret && (sym.nlines != 1 || sym.lines[0].file || sym.lines[0].line))
		return -EBADMSG;
	return ret;
}

/* The lookups of ktext, loaded into @s by @how. */
static void kcases(struct ks_syms *s, const char *how)
{
	static const struct {
		uint64_t addr;
		int ret;
		const char *name, *module;
		uint64_t off;
	} cases[] = {
		{ 0xffffffff81000000, 0, "_stext", NULL, 0 },
		{ 0xffffffff810000ff, 0, "_stext", NULL, 0xff },
		{ 0xffffffff81000100, 0, "local_fn", NULL, 0 },
		{ 0xffffffff81000250, 0, "weak_fn", NULL, 0x50 },
		{ 0xffffffff81000300, -ENOENT, NULL, NULL, 0 },
		{ 0xffffffff810003ff, -ENOENT, NULL, NULL, 0 },
		{ 0xffffffff81000400, 0, "after_data", NULL, 0 },
		{ 0xffffffff81000500, 0, "after_data", NULL, 0x100 },
		{ 0xffffffff81000fff, 0, "after_data", NULL, 0xbff },
		{ 0xffffffff81001000, 0, "_etext", NULL, 0 },
		{ 0xffffffff80ffffff, -ENOENT, NULL, NULL, 0 },
		{ 0xffffffffc0001000, 0, "mod_fn", "mymod", 0 },
		{ 0xffffffffc000107f, 0, "mod_fn", "mymod", 0x7f },
		{ 0xffffffffc0001090, 0, "mod_fn2", "mymod", 0x10 },
		{ 0xffffffffc0001080 + 0x1ffff, 0, "mod_fn2", "mymod", 0x1ffff },
		{ 0xffffffffc0001080 + 0x20000, -ENOENT, NULL, NULL, 0 },
		{ 0xffffffffc02fffff, 0, "other_fn", "othermod", 0xfffff },
		{ 0xffffffffc0300010, 0, "last_fn", "othermod", 0x10 },
		{ 0xffffffffc0320000, -ENOENT, NULL, NULL, 0 },
		{ 0, -ENOENT, NULL, NULL, 0 },
		{ UINT64_MAX, -ENOENT, NULL, NULL, 0 },
	};
	const char *name, *module;
	uint64_t off;
	size_t i;
	int ret;

	for (i = 0; i < KS_ARRAY_SIZE(cases); i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s %#llx", how, (unsigned long long)cases[i].addr);
		ret = klook(s, cases[i].addr, &name, &off, &module);
		if (cases[i].ret) {
			is_int(ret, cases[i].ret, "%s: no symbol", what);
			continue;
		}
		ok(!ret && name && !strcmp(name, cases[i].name) && off == cases[i].off &&
		   (cases[i].module ? module && !strcmp(module, cases[i].module) : !module),
		   "%s: %s+%#llx [%s] (got %d %s+%#llx [%s])", what, cases[i].name,
		   (unsigned long long)cases[i].off, cases[i].module ? cases[i].module : "kernel",
		   ret, name ? name : "-", (unsigned long long)off, module ? module : "kernel");
	}
}

static void test_kallsyms(void)
{
	struct ks_syms *s = syms_new(NULL, false);
	const char *name, *module, *kept;
	char path[] = "/tmp/kscope-test-kallsyms-XXXXXX", junk[5000];
	struct ks_sym a, b;
	uint64_t off;
	int fd;

	ok(ks_syms_kernel(s, 0xffffffff81000000, &a, NULL) == -ENOENT, "nothing loaded: no symbol");
	ok(!ks_syms_load_kallsyms(s, ktext, sizeof(ktext) - 1), "load a kallsyms text");
	kcases(s, "text");
	ks_syms_kernel(s, 0xffffffffc0001000, &a, NULL);
	ks_syms_kernel(s, 0xffffffffc0001010, &b, NULL);
	ok(a.lines == b.lines, "one line array per kernel symbol");
	kept = a.lines[0].func;

	ok(!ks_syms_load_kallsyms(s, "0000000000000000 T a\n0000000000000000 t b\t[m]\n", 44),
	   "a kptr_restrict text loads");
	ok(klook(s, 0xffffffff81000000, &name, &off, &module) == -ENOENT,
	   "but has nothing: the earlier symbols are gone");
	ok(!strcmp(kept, "mod_fn") && a.lines[0].func == kept,
	   "results of an earlier load stay valid");
	ok(!ks_syms_load_kallsyms(s, "", 0), "an empty text loads");
	ok(klook(s, 0, &name, &off, &module) == -ENOENT, "and has nothing");
	ok(!ks_syms_load_kallsyms(s, "ffffffff81000000 T x", 20) &&
	   !klook(s, 0xffffffff81000004, &name, &off, &module) && !strcmp(name, "x"),
	   "a one-line text without newline");
	ks_syms_free(s);

	/* mapped from a file, at an offset that is not a page's: the text of a profile */
	s = syms_new(NULL, false);
	memset(junk, 'x', sizeof(junk));
	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, junk, sizeof(junk)) == sizeof(junk) &&
	   write(fd, ktext, sizeof(ktext) - 1) == sizeof(ktext) - 1, "a file with a kallsyms");
	ok(!ks_syms_load_kallsyms_file(s, fd, sizeof(junk), sizeof(ktext) - 1),
	   "kallsyms mapped from it");
	close(fd);
	unlink(path);
	kcases(s, "mapped");
	ok(ks_syms_load_kallsyms_file(s, -1, 0, 10) == -EBADF, "a bad fd: -EBADF");
	ks_syms_free(s);
}

static void test_kallsyms_big(void)
{
	struct ks_buf b = { 0 };
	struct ks_syms *s = syms_new(NULL, false);
	const char *name, *module;
	char *text = NULL, *hit;
	uint64_t off, t0, t1, addr;
	size_t len, i;
	int ret = 0;

	/* 200k lines like a distribution kernel's: mostly text, some data, modules last */
	for (i = 0; i < 200000 && !ret; i++) {
		bool mod = i >= 180000;

		ret = ks_buf_addf(&b, "%016llx %c %s_%zu%s\n",
				  (unsigned long long)((mod ? 0xffffffffc0000000ULL :
						       0xffffffff81000000ULL) + i * 64),
				  i % 10 == 9 ? 'd' : i % 3 ? 't' : 'T', mod ? "mod_func" : "func",
				  i, mod ? (i % 2 ? "\t[mod_a]" : "\t[mod_b]") : "");
	}
	ok(!ret, "made a 200k-line kallsyms");
	t0 = ks_now_ns();
	ret = ks_syms_load_kallsyms(s, b.data, b.len);
	t1 = ks_now_ns();
	ok(!ret, "loaded it");
	printf("# kallsyms: 200000 lines (%.1f MB) loaded in %.1f ms\n", b.len / 1e6,
	       (t1 - t0) / 1e6);
	ret = klook(s, 0xffffffff81000000ULL + 123456 * 64 + 5, &name, &off, &module);
	ok(!ret && !strcmp(name, "func_123456") && off == 5 && !module, "a lookup in it");
	ret = klook(s, 0xffffffffc0000000ULL + 190001 * 64, &name, &off, &module);
	ok(!ret && !strcmp(name, "mod_func_190001") && module && !strcmp(module, "mod_a"),
	   "a module symbol in it");
	ks_buf_free(&b);

	/* this machine's own, when addresses are visible */
	if (ks_read_file("/proc/kallsyms", &text, &len)) {
		ok(1, "# SKIP /proc/kallsyms unreadable");
		goto out;
	}
	t0 = ks_now_ns();
	ret = ks_syms_load_kallsyms(s, text, len);
	t1 = ks_now_ns();
	ok(!ret, "/proc/kallsyms loads");
	printf("# /proc/kallsyms: %zu bytes loaded in %.1f ms\n", len, (t1 - t0) / 1e6);
	hit = strstr(text, " T schedule\n");
	if (!hit || hit - text < 16 || !strtoull(hit - 16, NULL, 16)) {
		ok(ks_syms_kernel(s, 0xffffffff81000000, &(struct ks_sym){ 0 }, NULL) == -ENOENT,
		   "addresses hidden (kptr_restrict): nothing resolves");
		goto out;
	}
	addr = strtoull(hit - 16, NULL, 16);
	ret = klook(s, addr + 1, &name, &off, &module);
	ok(!ret && off == 1 && !module, "schedule+1 resolves (to %s)", name ? name : "-");
out:
	free(text);
	ks_syms_free(s);
}

/* ---- user binaries ---- */

struct fix {
	char path[PATH_MAX], dyn[PATH_MAX];
	uint64_t off_static, off_outer, off_global, off_main, off_inline, off_dyn_global;
	uint8_t bid[64];
	size_t bid_len;
};

static void check_static(struct ks_syms *s, struct ks_dso *d, const struct fix *f,
			 const char *what)
{
	struct ks_sym sym;
	int ret = ks_syms_dso_lookup(s, d, f->off_static, &sym);
	const char *why;

	ok(!ret && sym.nlines == 1 && !strcmp(func0(&sym), "sf_static") && !sym.offset,
	   "%s: the static function resolves (%d %s)", what, ret, func0(&sym));
	ok(!ret && !strcmp(base(sym.lines[0].file), "symfix.c") &&
	   line_in(&sym.lines[0], "int sf_static(int x)"), "%s: with its file:line (%s:%u)",
	   what, ret ? "-" : sym.lines[0].file, ret ? 0 : sym.lines[0].line);
	ret = ks_syms_dso_lookup(s, d, f->off_inline, &sym);
	ok(!ret && sym.nlines == 2 && !strcmp(func0(&sym), "sf_inlined") &&
	   !strcmp(outer(&sym), "sf_outer"), "%s: and inline frames", what);
	ok(!ks_syms_dso_status(s, d, &why) && !why, "%s: status 0", what);
}

static void test_fixture(struct fix *f)
{
	struct ks_syms *s = syms_new(NULL, false), *nl;
	struct ks_sym sym, again;
	struct ks_dso *d;
	const char *why;
	uint64_t off;
	int ret, found = 0, plain = 0;
	static const struct {
		const char *func, *start;
	} funcs[] = {
		{ "sf_static", "int sf_static(int x)" },
		{ "sf_outer", "int sf_outer(int x)" },
		{ "sf_global", "int sf_global(int x)" },
		{ "main", "int main(int argc" },
	};
	uint64_t offs[] = { f->off_static, f->off_outer, f->off_global, f->off_main };
	size_t i;

	d = ks_syms_dso(s, f->path, NULL, 0);
	ok(d && d == ks_syms_dso(s, f->path, NULL, 0), "one DSO per path");
	ok(d && d != ks_syms_dso(s, f->path, f->bid, f->bid_len) &&
	   ks_syms_dso(s, f->path, f->bid, f->bid_len) == ks_syms_dso(s, f->path, f->bid,
								      f->bid_len),
	   "and per build-id");
	is_str(ks_syms_dso_name(d), f->path, "its name is the path");
	is_str(ks_syms_dso_basename(d), "symfix", "and its base name");
	ok(!ks_syms_dso_status(s, d, &why) && !why, "the fixture is read");
	for (i = 0; i < KS_ARRAY_SIZE(funcs); i++) {
		ret = ks_syms_dso_lookup(s, d, offs[i], &sym);
		ok(!ret && sym.nlines == 1 && !strcmp(func0(&sym), funcs[i].func) && !sym.offset,
		   "%s at %#llx (%d %s)", funcs[i].func, (unsigned long long)offs[i], ret,
		   func0(&sym));
		ok(!ret && !strcmp(base(sym.lines[0].file), "symfix.c") &&
		   line_in(&sym.lines[0], funcs[i].start), "%s at %s:%u", funcs[i].func,
		   ret ? "-" : sym.lines[0].file, ret ? 0 : sym.lines[0].line);
		ret = ks_syms_dso_lookup(s, d, offs[i] + 1, &sym);
		ok(!ret && !strcmp(outer(&sym), funcs[i].func) && sym.offset == 1,
		   "%s+1", funcs[i].func);
	}
	ks_syms_dso_lookup(s, d, f->off_static, &sym);
	ks_syms_dso_lookup(s, d, f->off_static, &again);
	ok(sym.lines == again.lines && sym.lines[0].func == again.lines[0].func &&
	   sym.lines[0].file == again.lines[0].file, "the cache gives the same pointers");
	ks_syms_dso_lookup(s, d, f->off_global, &again);
	ok(sym.lines[0].file == again.lines[0].file, "file names are interned");
	ret = ks_syms_dso_lookup(s, d, func_off(f->path, "sf_asm") + 1, &sym);
	ok(!ret && !strcmp(outer(&sym), "sf_asm") && sym.offset == 1,
	   "a symbol without size covers what follows it: sf_asm+1 (%d %s)", ret, outer(&sym));

	/* every byte of sf_outer: the always_inline sf_inlined shows up inside it */
	for (off = f->off_outer; off < f->off_global; off++) {
		if (ks_syms_dso_lookup(s, d, off, &sym) || strcmp(outer(&sym), "sf_outer"))
			continue;
		if (sym.nlines == 1) {
			plain++;
			continue;
		}
		if (!found++)
			f->off_inline = off;
		if (found > 1)
			continue;
		ok(sym.nlines == 2 && !strcmp(func0(&sym), "sf_inlined"),
		   "at %#llx: sf_inlined is lines[0], sf_outer last",
		   (unsigned long long)off);
		ok(line_in(&sym.lines[0], "int sf_inlined(int x)"),
		   "lines[0] is in sf_inlined: %s:%u", sym.lines[0].file, sym.lines[0].line);
		ok(line_in(&sym.lines[1], "r += sf_inlined(x);") &&
		   !strcmp(base(sym.lines[1].file), "symfix.c"),
		   "lines[1] is the call site in sf_outer: %s:%u", sym.lines[1].file,
		   sym.lines[1].line);
		ok(sym.offset == off - f->off_outer, "the offset is from sf_outer");
	}
	ok(found > 0 && plain > 0, "sf_outer: %d addresses inline, %d not", found, plain);

	ok(ks_syms_dso_lookup(s, d, UINT64_MAX, &sym) == -ENOENT && !sym.nlines,
	   "offset 2^64-1: no symbol");
	ok(ks_syms_dso_lookup(s, d, 1ULL << 62, &sym) == -ENOENT, "offset 2^62: no symbol");
	ok(ks_syms_dso_lookup(s, d, 0, &sym) == -ENOENT, "the ELF header: no symbol");

	nl = syms_new("/", true);
	d = ks_syms_dso(nl, f->path, f->bid, f->bid_len);
	ret = ks_syms_dso_lookup(nl, d, f->off_inline, &sym);
	ok(!ret && sym.nlines == 1 && !strcmp(func0(&sym), "sf_outer") && !sym.lines[0].file &&
	   !sym.lines[0].line, "no_lines: only the symbol table's function");
	ks_syms_free(nl);
	ks_syms_free(s);
}

static void test_debuginfo(const struct fix *f)
{
	char symfs[PATH_MAX];
	struct ks_syms *s;
	struct ks_dso *d;
	static const char *const links[] = { "/usr/bin/symfix", "/opt/symfix", "/srv/symfix" };
	static const char *const where[] = {
		"debuglink in /usr/lib/debug/usr/bin", "debuglink in .debug/",
		"debuglink next to it",
	};
	size_t i;

	s = syms_new(fixture(symfs, "symfs-bid"), false);
	d = ks_syms_dso(s, "/usr/bin/symfix", f->bid, f->bid_len);
	check_static(s, d, f, "by build-id");
	d = ks_syms_dso(s, "/usr/bin/symfix", NULL, 0);
	check_static(s, d, f, "by the file's own build-id");
	ks_syms_free(s);

	s = syms_new(fixture(symfs, "symfs-link"), false);
	for (i = 0; i < KS_ARRAY_SIZE(links); i++) {
		d = ks_syms_dso(s, links[i], NULL, 0);
		check_static(s, d, f, where[i]);
	}
	ks_syms_free(s);
}

/* DWARF compressed by dwz: names of inlined functions live in the supplement file. */
static void test_dwz(const struct fix *f)
{
	char symfs[PATH_MAX], tmp[] = "/tmp/kscope-dwz-XXXXXX", dbg[128], from[PATH_MAX + 128],
	     to[PATH_MAX], dir[PATH_MAX], cmd[PATH_MAX];
	struct ks_syms *s;
	struct ks_dso *d;
	struct ks_sym sym;
	struct stat st;
	size_t i;

	if (stat(fixture(symfs, "symfs-dwz"), &st)) {
		ok(1, "# SKIP dwz is not installed");
		return;
	}
	s = syms_new(symfs, false);
	d = ks_syms_dso(s, "/usr/bin/symfix-full", f->bid, f->bid_len);
	check_static(s, d, f, "dwz, DWARF in the binary");
	d = ks_syms_dso(s, "/usr/bin/symfix", f->bid, f->bid_len);
	check_static(s, d, f, "dwz, stripped, debuginfo by build-id");
	ks_syms_free(s);

	/* the supplement is what names the inlined function: without it, no name */
	if (!mkdtemp(tmp)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(dbg, sizeof(dbg), "usr/lib/debug/.build-id/%02x/", f->bid[0]);
	for (i = 1; i < f->bid_len; i++)
		snprintf(dbg + strlen(dbg), sizeof(dbg) - strlen(dbg), "%02x", f->bid[i]);
	strcat(dbg, ".debug");
	snprintf(from, sizeof(from), "%s/%s", symfs, dbg);
	snprintf(to, sizeof(to), "%s/%s", tmp, dbg);
	ks_mkdir_p(dirname(strcpy(dir, to)), 0755);
	ok(!symlink(from, to), "a symfs with the debuginfo but not the supplement");
	snprintf(from, sizeof(from), "%s/usr/bin/symfix", symfs);
	snprintf(to, sizeof(to), "%s/usr/bin/symfix", tmp);
	ks_mkdir_p(dirname(strcpy(dir, to)), 0755);
	ok(!symlink(from, to), "and the stripped binary");
	s = syms_new(tmp, false);
	d = ks_syms_dso(s, "/usr/bin/symfix", f->bid, f->bid_len);
	ok(!ks_syms_dso_lookup(s, d, f->off_inline, &sym) && !strcmp(outer(&sym), "sf_outer") &&
	   strcmp(func0(&sym), "sf_inlined"),
	   "without it: sf_outer, the inlined function unnamed (%s)", func0(&sym));
	ks_syms_free(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ok(!system(cmd), "clean up");
}

static void test_stripped(const struct fix *f)
{
	char symfs[PATH_MAX];
	struct ks_syms *s = syms_new(fixture(symfs, "symfs-none"), false);
	struct ks_dso *d = ks_syms_dso(s, "/usr/bin/symfix", NULL, 0);
	struct ks_sym sym;
	const char *why;
	int ret;

	is_int(ks_syms_dso_status(s, d, &why), -ENODATA, "stripped, no debuginfo: -ENODATA");
	is_str(why, "no symbols (stripped, no debuginfo found)", "and says so");
	ok(ks_syms_dso_lookup(s, d, f->off_static, &sym) == -ENODATA && !sym.nlines,
	   "its lookups fail the same way");

	d = ks_syms_dso(s, "/usr/bin/symfix-dyn", NULL, 0);
	ok(!ks_syms_dso_status(s, d, &why), "stripped with exported functions: read");
	ret = ks_syms_dso_lookup(s, d, f->off_dyn_global + 2, &sym);
	ok(!ret && sym.nlines == 1 && !strcmp(func0(&sym), "sf_global") && sym.offset == 2 &&
	   !sym.lines[0].file, ".dynsym gives the exported function, without line");
	ok(ks_syms_dso_lookup(s, d, func_off(f->dyn, "sf_static"), &sym) == -ENOENT,
	   "the static one is not there: -ENOENT");
	d = ks_syms_dso(s, "/usr/bin/symfix-dyn (deleted)", NULL, 0);
	ok(!ks_syms_dso_lookup(s, d, f->off_dyn_global, &sym) && !strcmp(func0(&sym), "sf_global"),
	   "a mapping of a deleted file: the file of that name is used");
	ks_syms_free(s);
}

static void test_status(const struct fix *f)
{
	static const struct {
		const char *path;
		int ret;
		const char *why;
	} cases[] = {
		{ "/nope/missing", -ENOENT, "not found under SYMFS" },
		{ "/usr/bin/symfix/sub", -ENOENT, "not found under SYMFS" },
		{ "/usr/bin/notelf", -ENOEXEC, "not an ELF file" },
		{ "/usr/bin/adir", -EISDIR, "not a regular file" },
		{ "/", -EISDIR, "not a regular file" },
		{ "[vdso]", -ENOENT, "not a file (an anonymous or special mapping)" },
		{ "//anon", -ENOENT, "not found under SYMFS" },
		{ "", -ENOENT, "not a file (an anonymous or special mapping)" },
	};
	uint8_t wrong[20] = { 0xde, 0xad, 0xbe, 0xef };
	char symfs[PATH_MAX], tmp[] = "/tmp/kscope-symfs-XXXXXX", late[PATH_MAX + 8];
	struct ks_syms *s;
	struct ks_dso *d;
	struct ks_sym sym;
	struct ks_err err;
	const char *why, *why2;
	struct stat st;
	size_t i;
	int ret;

	s = syms_new(fixture(symfs, "symfs-none"), false);
	for (i = 0; i < KS_ARRAY_SIZE(cases); i++) {
		d = ks_syms_dso(s, cases[i].path, NULL, 0);
		ret = ks_syms_dso_status(s, d, &why);
		ok(ret == cases[i].ret && why && !strcmp(why, cases[i].why),
		   "'%s': %d %s (got %d %s)", cases[i].path, cases[i].ret, cases[i].why, ret,
		   why ? why : "-");
		ok(ks_syms_dso_lookup(s, d, 0x1000, &sym) == cases[i].ret && !sym.nlines,
		   "'%s': lookups fail with it", cases[i].path);
		ks_syms_dso_status(s, d, &why2);
		ok(why == why2, "'%s': asked again, the same answer", cases[i].path);
	}
	ks_syms_free(s);

	s = syms_new(fixture(symfs, "symfs-bid"), false);
	d = ks_syms_dso(s, "/usr/bin/symfix", wrong, sizeof(wrong));
	ok(ks_syms_dso_status(s, d, &why) == -ESTALE && why && !strcmp(why, "build-id differs"),
	   "another build-id: \"build-id differs\"");
	ok(ks_syms_dso_lookup(s, d, f->off_static, &sym) == -ESTALE, "and it is not used");
	ks_syms_free(s);

	s = syms_new(NULL, false);
	if (stat("/dev/null", &st) || !S_ISCHR(st.st_mode) || stat("/dev/zero", &st) ||
	    !S_ISCHR(st.st_mode)) {
		ok(1, "# SKIP /dev/null or /dev/zero is not a device here");
	} else {
		d = ks_syms_dso(s, "/dev/null", NULL, 0);
		ok(ks_syms_dso_status(s, d, &why) == -EINVAL && !strcmp(why, "not a regular file"),
		   "/dev/null: not a regular file");
		d = ks_syms_dso(s, "/dev/zero", NULL, 0);
		ok(ks_syms_dso_lookup(s, d, 0, &sym) == -EINVAL, "/dev/zero is never read");
	}
	d = ks_syms_dso(s, "/proc/self/status", NULL, 0);
	ok(ks_syms_dso_status(s, d, &why) == -ENOEXEC, "/proc/self/status: %s", why);
	ks_syms_free(s);

	/* a missing file is remembered: it appearing later changes nothing */
	if (!mkdtemp(tmp)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	s = syms_new(tmp, false);
	d = ks_syms_dso(s, "/late", NULL, 0);
	ok(ks_syms_dso_status(s, d, &why) == -ENOENT, "/late: not found");
	snprintf(late, sizeof(late), "%s/late", tmp);
	ok(!symlink(f->path, late), "then it appears");
	ok(ks_syms_dso_lookup(s, d, f->off_static, &sym) == -ENOENT,
	   "the binary is opened once: still not found");
	ks_syms_free(s);
	s = syms_new(tmp, false);
	d = ks_syms_dso(s, "/late", NULL, 0);
	ok(!ks_syms_dso_lookup(s, d, f->off_static, &sym) && !strcmp(func0(&sym), "sf_static"),
	   "a new context finds it (through a symlink)");
	ks_syms_free(s);
	unlink(late);
	rmdir(tmp);

	ok(ks_syms_new(&s, &(struct ks_syms_opts){ .symfs = "/nonexistent/x" }, &err) ==
	   -ENOENT && !s, "a missing symfs is refused: %s", err.msg);
	ok(ks_syms_new(&s, &(struct ks_syms_opts){ .symfs = f->path }, &err) == -ENOTDIR,
	   "a symfs that is a file is refused: %s", err.msg);
	ok(!ks_syms_new(&s, NULL, &err), "no options: symfs /");
	ks_syms_free(s);
	ks_syms_free(NULL);
}

/* A small deterministic generator: the corrupt files are the same on every run. */
static uint64_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

static void test_corrupt(const struct fix *f)
{
	char tmp[] = "/tmp/kscope-corrupt-XXXXXX", path[PATH_MAX + 32], name[32];
	uint64_t offs[] = { f->off_static, f->off_outer, f->off_inline, f->off_main, 0, 64,
			    0x1000, 1ULL << 40 };
	size_t len, cut[] = { 0, 1, 4, 16, 52, 63, 64, 200, 1000, 4096, 0, 0 };
	int nfiles = 0, bad = 0, read = 0, i, j, fd;
	size_t chars = 0;
	unsigned int k;
	struct ks_syms *s;
	uint64_t seed = 42;
	char *data, *copy;

	if (ks_read_file(f->path, &data, &len) || !mkdtemp(tmp)) {
		ok(0, "read the fixture, make a directory");
		return;
	}
	cut[10] = len / 2;
	cut[11] = len - 1;
	copy = malloc(len);
	for (i = 0; copy && i < 12 + 300; i++) {
		size_t n = len;

		memcpy(copy, data, len);
		if (i < 12) {
			n = cut[i];
		} else {
			/* flip bytes: the headers, the section header table at the end, anywhere */
			int flips = 1 + rnd(&seed) % 16;

			for (j = 0; j < flips; j++) {
				size_t at = rnd(&seed) % 3 == 0 ? rnd(&seed) % 256 :
					    rnd(&seed) % 2 ? len - 1 - rnd(&seed) % 2048 :
					    rnd(&seed) % len;

				copy[at] = (char)(rnd(&seed) % 3 ? rnd(&seed) : 0xff);
			}
		}
		snprintf(path, sizeof(path), "%s/f%d", tmp, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ks_write_all(fd, copy, n)) {
			ok(0, "write %s", path);
			break;
		}
		close(fd);
		nfiles++;
	}
	s = syms_new(tmp, false);
	for (i = 0; i < nfiles; i++) {
		struct ks_dso *d;
		struct ks_sym sym;
		const char *why;
		int ret;

		snprintf(name, sizeof(name), "/f%d", i);
		d = ks_syms_dso(s, name, NULL, 0);
		for (j = 0; j < (int)KS_ARRAY_SIZE(offs); j++) {
			ret = ks_syms_dso_lookup(s, d, offs[j], &sym);
			if (ret ? sym.nlines != 0 : sym.nlines == 0 || !sym.lines)
				bad++;
			for (k = 0; k < sym.nlines; k++)	/* readable (ASan checks) */
				chars += sym.lines[k].func ? strlen(sym.lines[k].func) : 0;
		}
		ret = ks_syms_dso_status(s, d, &why);
		bad += ret ? !why : why != NULL;
		read += !ret;
	}
	ks_syms_free(s);
	ok(nfiles == 312 && !bad, "%d truncated or corrupt copies: no crash, every failure says "
	   "why (%d still read, %zu bytes of names)", nfiles, read, chars);
	for (i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/f%d", tmp, i);
		unlink(path);
	}
	rmdir(tmp);
	free(copy);
	free(data);
}

/* ---- libc: a real library, and timings ---- */

static bool exec_segment(const char *path, uint64_t *off, uint64_t *size)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	bool found = false;
	size_t n, i;

	if (elf && !elf_getphdrnum(elf, &n)) {
		for (i = 0; i < n && !found; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
			    (ph.p_flags & PF_X)) {
				*off = ph.p_offset;
				*size = ph.p_filesz;
				found = true;
			}
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return found;
}

/*
 * @n lookups of new addresses in a fresh context (opening libc, reading its
 * debuginfo, indexing what is touched), @n more new ones, then the first @n again.
 */
static void bench(const char *libc, bool no_lines, const uint64_t *offs, int n)
{
	struct ks_syms *s = syms_new(NULL, no_lines);
	struct ks_dso *d = ks_syms_dso(s, libc, NULL, 0);
	uint64_t t0, t1, t2, t3;
	int i, resolved = 0, inl = 0;
	struct ks_sym sym;

	t0 = ks_now_ns();
	for (i = 0; i < n; i++) {
		if (!ks_syms_dso_lookup(s, d, offs[i], &sym)) {
			resolved++;
			inl += sym.nlines > 1;
		}
	}
	t1 = ks_now_ns();
	for (i = n; i < 2 * n; i++)
		ks_syms_dso_lookup(s, d, offs[i], &sym);
	t2 = ks_now_ns();
	for (i = 0; i < n; i++)
		ks_syms_dso_lookup(s, d, offs[i], &sym);
	t3 = ks_now_ns();
	printf("# libc %s: %d lookups (%d resolved, %d with inline frames): first %.0f ms "
	       "(%.2f us each, with opening libc), %d more new %.0f ms (%.2f us each), "
	       "cached %.1f ms (%.3f us each)\n", no_lines ? "symbols only" : "with lines", n,
	       resolved, inl, (t1 - t0) / 1e6, (t1 - t0) / 1e3 / n, n, (t2 - t1) / 1e6,
	       (t2 - t1) / 1e3 / n, (t3 - t2) / 1e6, (t3 - t2) / 1e3 / n);
	ok(resolved > n / 2, "libc (%s): most addresses resolve", no_lines ? "symbols" : "lines");
	ks_syms_free(s);
}

static void test_libc(void)
{
	char libc[PATH_MAX], tmp[] = "/tmp/kscope-libc-XXXXXX", link[PATH_MAX + 16];
	uint64_t malloc_off, seg_off, seg_size, seed = 7, *offs, off;
	struct ks_syms *s;
	struct ks_dso *d;
	struct ks_sym sym;
	struct ks_err err;
	int i, ret, n = 100000;

	if (ks_elf_resolve_path("libc.so.6", libc, sizeof(libc)) ||
	    ks_elf_func_offset(libc, "malloc", &malloc_off, &err) ||
	    !exec_segment(libc, &seg_off, &seg_size)) {
		ok(1, "# SKIP no libc.so.6 with malloc");
		return;
	}
	s = syms_new(NULL, false);
	d = ks_syms_dso(s, libc, NULL, 0);
	ret = ks_syms_dso_lookup(s, d, malloc_off, &sym);
	ok(!ret && !sym.offset, "libc: malloc's address is a function's start (%s, %s:%u)",
	   outer(&sym), ret || !sym.lines[0].file ? "-" : sym.lines[0].file,
	   ret ? 0 : sym.lines[0].line);
	/* .symtab (libc6-dbg) has "__libc_start_main@@GLIBC_2.34": the version goes */
	if (!ks_elf_func_offset(libc, "__libc_start_main", &off, &err)) {
		ret = ks_syms_dso_lookup(s, d, off, &sym);
		is_str(ret ? "-" : outer(&sym), "__libc_start_main",
		       "libc: a versioned symbol is named without its version");
	}
	ks_syms_free(s);

	/* under a symfs without debuginfo, only its .dynsym */
	if (mkdtemp(tmp)) {
		uint64_t got = 0;

		snprintf(link, sizeof(link), "%s/libc.so.6", tmp);
		if (symlink(libc, link))
			ok(0, "symlink: %s", strerror(errno));
		s = syms_new(tmp, false);
		d = ks_syms_dso(s, "/libc.so.6", NULL, 0);
		ret = ks_syms_dso_lookup(s, d, malloc_off + 3, &sym);
		ok(!ret && sym.offset == 3 && !ks_elf_func_offset(libc, outer(&sym), &got, &err) &&
		   got == malloc_off, "libc .dynsym: malloc+3 is %s+3", outer(&sym));
		ks_syms_free(s);
		unlink(link);
		rmdir(tmp);
	}

	offs = malloc(2 * n * sizeof(*offs));
	if (!offs)
		return;
	for (i = 0; i < 2 * n; i++)
		offs[i] = seg_off + (rnd(&seed) << 16 ^ rnd(&seed)) % seg_size;
	bench(libc, true, offs, n);
	bench(libc, false, offs, n);
	free(offs);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], *slash;
	struct fix f = { 0 };

	if (!realpath(argv[0], self) || !(slash = strrchr(self, '/')) ||
	    (size_t)(slash - self) >= sizeof(fixdir)) {
		printf("Bail out! where am I?\n");
		return 1;
	}
	memcpy(fixdir, self, slash - self);
	fixture(f.path, "symfix");
	fixture(f.dyn, "symfix-dyn");
	f.off_static = func_off(f.path, "sf_static");
	f.off_outer = func_off(f.path, "sf_outer");
	f.off_global = func_off(f.path, "sf_global");
	f.off_main = func_off(f.path, "main");
	f.off_dyn_global = func_off(f.dyn, "sf_global");
	f.bid_len = file_build_id(f.path, f.bid, sizeof(f.bid));
	ok(f.bid_len == 20, "the fixture has a build-id");
	ok(f.off_outer < f.off_global, "sf_global follows sf_outer");

	test_kallsyms();
	test_kallsyms_big();
	test_fixture(&f);
	test_debuginfo(&f);
	test_dwz(&f);
	test_stripped(&f);
	test_status(&f);
	test_corrupt(&f);
	test_libc();
	return tap_done();
}

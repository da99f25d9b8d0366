// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test tool: resolved samples from a text description, written by the pprof and
 * speedscope writers (until `kscope profile` drives them). Input, one item a line:
 *
 *   map ID START END PGOFF PATH [BUILD_ID|-] [kernel]
 *   sample PID TID COMM TIME WEIGHT
 *   loc ADDR MAP_ID|- [k] [FUNC[@FILE:LINE] ...]	(the sample's frames, leaf first;
 *							 lines innermost first, FUNC ? for none)
 *
 * Numbers may be hex (0x...); %XX in a word is the byte XX (spaces, odd bytes). Like
 * the profile reader, frames written alike share one lines array.
 *
 * usage: profwrite [-t TYPE] [-u UNIT] [-p PERIOD] [-n NAME] [-T EPOCH_NS] [-U SS_UNIT]
 *		    PPROF JSON
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kscope/base/intern.h"
#include "kscope/output/pprof.h"
#include "kscope/profile/prof.h"
#include "kscope/output/profout.h"
#include "kscope/output/speedscope.h"

#define MAX_WORDS 64

struct lines_entry {
	struct ks_sym_line *lines;
	unsigned int n;
};

struct input {
	struct ks_prof_map *maps;
	unsigned int nmaps;
	struct ks_prof_sample *samples;
	size_t nsamples, samples_cap;
	struct ks_intern *texts;	/* loc lines: same text, same lines array */
	struct lines_entry *lines;	/* per text */
	size_t lines_cap;
	char **strs;			/* every string made, to free */
	size_t nstrs, strs_cap;
};

static void die(const char *what, unsigned int lineno)
{
	fprintf(stderr, "profwrite: line %u: %s\n", lineno, what);
	exit(2);
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		die("out of memory", 0);
	return p;
}

static void xgrow(void *arrp, size_t *cap, size_t need, size_t size)
{
	if (ks_profout_grow(arrp, cap, need, size))
		die("out of memory", 0);
}

static char *keep(struct input *in, const char *s)
{
	char *c = strdup(s);

	if (!c)
		die("out of memory", 0);
	xgrow(&in->strs, &in->strs_cap, in->nstrs + 1, sizeof(*in->strs));
	in->strs[in->nstrs++] = c;
	return c;
}

/* %XX escapes, in place. */
static void unescape(char *s)
{
	char *o = s, hex[3] = { 0 };

	for (; *s; s++) {
		if (s[0] == '%' && s[1] && s[2]) {
			hex[0] = s[1];
			hex[1] = s[2];
			*o++ = (char)strtoul(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static uint64_t num(const char *s, unsigned int lineno)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("bad number", lineno);
	return v;
}

static const struct ks_prof_map *find_map(struct input *in, const char *id, unsigned int lineno)
{
	unsigned int i, want;

	if (!strcmp(id, "-"))
		return NULL;
	want = (unsigned int)num(id, lineno);
	for (i = 0; i < in->nmaps; i++)
		if (in->maps[i].id == want)
			return &in->maps[i];
	die("unknown map", lineno);
	return NULL;
}

/* The lines array for the words after ADDR MAP [k]. */
static struct lines_entry *get_lines(struct input *in, char **w, int n, const char *text,
				     unsigned int lineno)
{
	struct lines_entry *e;
	char *at, *colon;
	uint32_t id;
	int j;

	xgrow(&in->lines, &in->lines_cap, (size_t)ks_intern_count(in->texts) + 1,
	      sizeof(*in->lines));
	j = ks_intern_str(in->texts, text, &id);
	if (j < 0)
		die("out of memory", lineno);
	e = &in->lines[id];
	if (!j)
		return e;
	e->n = n;
	e->lines = n ? xrealloc(NULL, n * sizeof(*e->lines)) : NULL;
	for (j = 0; j < n; j++) {
		at = strchr(w[j], '@');
		colon = at ? strrchr(at, ':') : NULL;
		if (at)
			*at = '\0';
		if (colon)
			*colon = '\0';
		unescape(w[j]);
		e->lines[j].func = strcmp(w[j], "?") ? keep(in, w[j]) : NULL;
		e->lines[j].file = NULL;
		e->lines[j].line = 0;
		if (at) {
			unescape(at + 1);
			e->lines[j].file = keep(in, at + 1);
			e->lines[j].line = colon ? (unsigned int)num(colon + 1, lineno) : 0;
		}
	}
	return e;
}

static void parse(struct input *in, FILE *f)
{
	struct ks_prof_sample *s = NULL;
	struct ks_prof_loc *locs, *l;
	struct lines_entry *e;
	char *line = NULL, *w[MAX_WORDS], *whole = NULL, *p;
	unsigned int lineno = 0;
	size_t cap = 0, whole_cap = 0;
	int n, k;

	/* A fixed array: pointers to the maps must stay valid. */
	in->maps = xrealloc(NULL, 64 * sizeof(*in->maps));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		xgrow(&whole, &whole_cap, strlen(line) + 1, 1);
		strcpy(whole, line);
		n = 0;
		for (p = strtok(line, " \t\n"); p && n < MAX_WORDS; p = strtok(NULL, " \t\n"))
			w[n++] = p;
		if (!n)
			continue;
		if (!strcmp(w[0], "map") && n >= 6 && n <= 8) {
			struct ks_prof_map *m = &in->maps[in->nmaps];

			if (in->nmaps == 64)
				die("too many maps", lineno);
			memset(m, 0, sizeof(*m));
			m->id = (unsigned int)num(w[1], lineno);
			m->start = num(w[2], lineno);
			m->end = num(w[3], lineno);
			m->pgoff = num(w[4], lineno);
			unescape(w[5]);
			m->path = keep(in, w[5]);
			m->build_id = n > 6 && strcmp(w[6], "-") ? keep(in, w[6]) : "";
			m->kernel = n > 7 && !strcmp(w[7], "kernel");
			in->nmaps++;
		} else if (!strcmp(w[0], "sample") && n == 6) {
			xgrow(&in->samples, &in->samples_cap, in->nsamples + 1, sizeof(*s));
			s = &in->samples[in->nsamples++];
			memset(s, 0, sizeof(*s));
			s->pid = (int)num(w[1], lineno);
			s->tid = (int)num(w[2], lineno);
			unescape(w[3]);
			s->comm = keep(in, w[3]);
			s->time = num(w[4], lineno);
			s->weight = num(w[5], lineno);
		} else if (!strcmp(w[0], "loc") && n >= 3 && s) {
			k = n > 3 && !strcmp(w[3], "k") ? 4 : 3;
			locs = (struct ks_prof_loc *)s->locs;
			locs = xrealloc(locs, (s->nlocs + 1) * sizeof(*locs));
			s->locs = locs;
			l = &locs[s->nlocs++];
			memset(l, 0, sizeof(*l));
			l->addr = num(w[1], lineno);
			l->map = find_map(in, w[2], lineno);
			l->kernel = k == 4;
			e = get_lines(in, w + k, n - k, whole, lineno);
			l->sym.nlines = e->n;
			l->sym.lines = e->lines;
		} else {
			die("cannot parse", lineno);
		}
	}
	free(line);
	free(whole);
}

static void input_free(struct input *in)
{
	size_t i;

	for (i = 0; i < in->nsamples; i++)
		free((void *)in->samples[i].locs);
	for (i = 0; in->texts && i < ks_intern_count(in->texts); i++)
		free(in->lines[i].lines);
	ks_intern_free(in->texts);
	for (i = 0; i < in->nstrs; i++)
		free(in->strs[i]);
	free(in->samples);
	free(in->lines);
	free(in->strs);
	free(in->maps);
}

static int open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		perror(path);
		exit(2);
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *type = "cpu", *unit = "nanoseconds", *name = "kscope profile", *ss_unit = NULL;
	uint64_t period = 0, epoch = 0;
	struct input in = { 0 };
	struct ks_speedscope *ss = NULL;
	struct ks_pprof *pp = NULL;
	struct ks_err err = { 0 };
	int opt, fd, ret = 1;
	size_t i;

	while ((opt = getopt(argc, argv, "t:u:p:n:T:U:")) != -1) {
		switch (opt) {
		case 't':
			type = optarg;
			break;
		case 'u':
			unit = optarg;
			break;
		case 'p':
			period = num(optarg, 0);
			break;
		case 'n':
			name = optarg;
			break;
		case 'T':
			epoch = num(optarg, 0);
			break;
		case 'U':
			ss_unit = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	in.texts = ks_intern_new();
	if (!in.texts)
		die("out of memory", 0);
	parse(&in, stdin);
	if (ks_pprof_new(&pp, type, unit, period, &err) ||
	    ks_speedscope_new(&ss, name, &err))
		goto out;
	if (epoch)
		ks_pprof_set_time(pp, epoch);
	if (ss_unit && ks_speedscope_set_unit(ss, ss_unit, &err))
		goto out;
	for (i = 0; i < in.nsamples; i++)
		if (ks_pprof_add(pp, &in.samples[i], &err) ||
		    ks_speedscope_add(ss, &in.samples[i], &err))
			goto out;
	fd = open_out(argv[optind]);
	if (ks_pprof_write(pp, fd, &err) || close(fd))
		goto out;
	fd = open_out(argv[optind + 1]);
	if (ks_speedscope_write(ss, fd, &err) || close(fd))
		goto out;
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "profwrite: %s\n", err.msg[0] ? err.msg : "close failed");
	ks_pprof_free(pp);
	ks_speedscope_free(ss);
	input_free(&in);
	return ret;
usage:
	fprintf(stderr, "usage: profwrite [-t TYPE] [-u UNIT] [-p PERIOD] [-n NAME] "
		"[-T EPOCH_NS] [-U SPEEDSCOPE_UNIT] PPROF JSON <samples\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Resolve event patterns the way trace-cmd users write them, and enable them. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/kernel/evsel.h"
#include "kscope/kernel/session.h"

static int evsel_push(struct ks_evsel *sel, const char *system, const char *name,
		      const char *filter)
{
	struct ks_event_ref *r;

	if (sel->n == sel->cap) {
		int cap = sel->cap ? sel->cap * 2 : 64;

		r = realloc(sel->ev, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		sel->ev = r;
		sel->cap = cap;
	}
	r = &sel->ev[sel->n];
	r->system = strdup(system);
	r->name = strdup(name);
	r->filter = filter;
	if (!r->system || !r->name) {
		free(r->system);
		free(r->name);
		return -ENOMEM;
	}
	sel->n++;
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct ks_event_ref *x = a, *y = b;
	int c = strcmp(x->system, y->system);

	return c ? c : strcmp(x->name, y->name);
}

int ks_evsel_list_all(const char *tracefs, struct ks_evsel *all)
{
	struct dirent *sd, *ed;
	char path[4096];
	DIR *d, *e;
	int ret = 0;

	memset(all, 0, sizeof(*all));
	snprintf(path, sizeof(path), "%s/events", tracefs);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!ret && (sd = readdir(d))) {
		if (sd->d_name[0] == '.' || sd->d_type != DT_DIR || !strcmp(sd->d_name, "ftrace"))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", tracefs, sd->d_name);
		e = opendir(path);
		if (!e)
			continue;
		while (!ret && (ed = readdir(e)))
			if (ed->d_name[0] != '.' && ed->d_type == DT_DIR)
				ret = evsel_push(all, sd->d_name, ed->d_name, NULL);
		closedir(e);
	}
	closedir(d);
	if (ret) {
		ks_evsel_free(all);
		return ret;
	}
	qsort(all->ev, all->n, sizeof(*all->ev), ref_cmp);
	return 0;
}

static bool already(const struct ks_evsel *sel, const struct ks_event_ref *r)
{
	int i;

	for (i = 0; i < sel->n; i++)
		if (!strcmp(sel->ev[i].system, r->system) && !strcmp(sel->ev[i].name, r->name))
			return true;
	return false;
}

int ks_evsel_add(struct ks_evsel *sel, const struct ks_evsel *all, const char *pattern,
		 const char *filter, struct ks_err *err)
{
	char sys[256] = "", ev[256] = "";
	const char *sep = strpbrk(pattern, ":/");
	int i, found = 0, ret;

	if (!*pattern || strlen(pattern) >= sizeof(sys))
		return ks_err_set(err, -EINVAL, "bad event name '%s'", pattern);
	if (sep) {
		snprintf(sys, sizeof(sys), "%.*s", (int)(sep - pattern), pattern);
		snprintf(ev, sizeof(ev), "%s", sep + 1);
		if (!*ev)
			snprintf(ev, sizeof(ev), "*");
	}
	for (i = 0; i < all->n; i++) {
		const struct ks_event_ref *r = &all->ev[i];
		bool m;

		if (sep)
			m = !fnmatch(sys, r->system, 0) && !fnmatch(ev, r->name, 0);
		else
			m = !fnmatch(pattern, r->system, 0) || !fnmatch(pattern, r->name, 0);
		if (!m)
			continue;
		found++;
		if (already(sel, r)) {
			/* A later -f for the same event wins, as in trace-cmd. */
			int j;

			for (j = 0; j < sel->n; j++)
				if (!strcmp(sel->ev[j].system, r->system) &&
				    !strcmp(sel->ev[j].name, r->name) && filter)
					sel->ev[j].filter = filter;
			continue;
		}
		ret = evsel_push(sel, r->system, r->name, filter);
		if (ret)
			return ks_err_set(err, ret, "out of memory");
	}
	if (!found)
		return ks_err_set(err, -ENOENT, "unknown event '%s' (see 'kscope list -e')",
				  pattern);
	return 0;
}

int ks_evsel_apply(struct ks_session *s, const struct ks_evsel *sel, bool stacktrace,
		   struct ks_err *err)
{
	char file[600];
	struct ks_err e;
	int i, ret;

	for (i = 0; i < sel->n; i++) {
		const struct ks_event_ref *r = &sel->ev[i];

		if (r->filter) {
			snprintf(file, sizeof(file), "events/%s/%s/filter", r->system, r->name);
			ret = ks_session_write(s, file, r->filter, &e);
			if (ret)
				return ks_err_set(err, ret, "bad filter for %s:%s: %s", r->system,
						  r->name, e.msg);
		}
		if (stacktrace) {
			struct ks_buf t = { 0 };

			if (r->filter)
				ks_buf_addf(&t, "stacktrace if %s", r->filter);
			else
				ks_buf_addf(&t, "stacktrace");
			if (!t.data)
				return ks_err_set(err, -ENOMEM, "out of memory");
			snprintf(file, sizeof(file), "events/%s/%s/trigger", r->system, r->name);
			ret = ks_session_write(s, file, t.data, &e);
			ks_buf_free(&t);
			if (ret == -ENOENT)
				return ks_err_kernel(err, ret, "triggers", "this kernel has no event "
						     "triggers: -T cannot add stack traces");
			if (ret)
				return ks_err_set(err, ret, "cannot add a stack trace to %s:%s (-T): %s",
						  r->system, r->name, e.msg);
		}
		snprintf(file, sizeof(file), "events/%s/%s/enable", r->system, r->name);
		ret = ks_session_write(s, file, "1", &e);
		if (ret)
			return ks_err_set(err, ret, "cannot enable %s:%s: %s", r->system, r->name,
					  e.msg);
	}
	return 0;
}

const char **ks_evsel_systems(const struct ks_evsel *sel, int *n)
{
	const char **v = calloc(sel->n + 1, sizeof(*v));
	int i, j, k = 0;

	if (!v)
		return NULL;
	for (i = 0; i < sel->n; i++) {
		for (j = 0; j < k; j++)
			if (!strcmp(v[j], sel->ev[i].system))
				break;
		if (j == k)
			v[k++] = sel->ev[i].system;
	}
	*n = k;
	return v;
}

void ks_evsel_free(struct ks_evsel *sel)
{
	int i;

	for (i = 0; i < sel->n; i++) {
		free(sel->ev[i].system);
		free(sel->ev[i].name);
	}
	free(sel->ev);
	memset(sel, 0, sizeof(*sel));
}

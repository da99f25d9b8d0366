// SPDX-License-Identifier: GPL-2.0-only
/* The event options of a capture and the tracefs settings they become. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kscope/base/parse.h"
#include "kscope/kernel/capture.h"
#include "kscope/kernel/session.h"

int ks_capture_opts_init(struct ks_capture_opts *o, int argc)
{
	memset(o, 0, sizeof(*o));
	o->patterns = calloc((size_t)argc + 1, sizeof(*o->patterns));
	o->filters = calloc((size_t)argc + 1, sizeof(*o->filters));
	o->pids = calloc((size_t)argc + 1, sizeof(*o->pids));
	if (!o->patterns || !o->filters || !o->pids) {
		ks_capture_opts_free(o);
		return -ENOMEM;
	}
	return 0;
}

void ks_capture_opts_free(struct ks_capture_opts *o)
{
	free(o->patterns);
	free(o->filters);
	free(o->pids);
	memset(o, 0, sizeof(*o));
}

int ks_capture_opt(struct ks_capture_opts *o, int key, const char *arg, struct ks_err *err)
{
	int v;

	switch (key) {
	case 'e':
		o->patterns[o->npatterns++] = arg;
		return 1;
	case 'f':
		if (!o->npatterns)
			return ks_err_set(err, -EINVAL, "-f '%s' must follow an -e", arg);
		o->filters[o->npatterns - 1] = arg;
		return 1;
	case 'P':
		if (ks_parse_int_range(arg, 1, 1 << 30, &v))
			return ks_err_set(err, -EINVAL, "bad pid '%s'", arg);
		if (!ks_pid_alive(v))
			return ks_err_set(err, -ESRCH, "no process with pid %d", v);
		o->pids[o->npids++] = v;
		return 1;
	case 'c':
		o->children = true;
		return 1;
	case 'C':
		o->clock = arg;
		return 1;
	case 'T':
		o->stacktrace = true;
		return 1;
	case 'b':
		if (ks_parse_int_range(arg, 1, 1 << 30, &o->buffer_kb))
			return ks_err_set(err, -EINVAL, "bad buffer size '%s' (KiB)", arg);
		return 1;
	}
	return 0;
}

int ks_capture_select(const struct ks_capture_opts *o, const char *tracefs, struct ks_evsel *all,
		      struct ks_evsel *sel, struct ks_err *err)
{
	int i, ret;

	ret = ks_evsel_list_all(tracefs, all);
	if (ret)
		return ks_err_set(err, ret, "cannot read %s/events: %s", tracefs, strerror(-ret));
	for (i = 0; i < o->npatterns; i++) {
		ret = ks_evsel_add(sel, all, o->patterns[i], o->filters[i], err);
		if (ret)
			return ret;
	}
	return 0;
}

/* set_event_pid: the -P pids, and the traced command's. */
static int apply_pids(struct ks_session *s, const struct ks_capture_opts *o, int extra_pid,
		      struct ks_err *err)
{
	struct ks_buf b = { 0 };
	int i, ret;

	for (i = 0; i < o->npids; i++)
		ks_buf_addf(&b, "%d ", o->pids[i]);
	if (extra_pid > 0)
		ks_buf_addf(&b, "%d", extra_pid);
	ret = b.data ? ks_session_write(s, "set_event_pid", b.data, err) : -ENOMEM;
	ks_buf_free(&b);
	return ret;
}

int ks_capture_apply(struct ks_session *s, const struct ks_capture_opts *o,
		     const struct ks_evsel *sel, int extra_pid, struct ks_err *err)
{
	char buf[32];
	int ret;

	if (o->buffer_kb) {
		snprintf(buf, sizeof(buf), "%d", o->buffer_kb);
		ret = ks_session_write(s, "buffer_size_kb", buf, err);
		if (ret)
			return ks_err_prefix(err, ret, "cannot set the buffer to %d KiB per CPU",
					     o->buffer_kb);
	}
	if (o->clock) {
		ret = ks_session_set_clock(s, o->clock, err);
		if (ret)
			return ret;
	}
	if (o->npids || extra_pid > 0) {
		ret = apply_pids(s, o, extra_pid, err);
		if (ret)
			return ret;
	}
	if (o->children) {
		ret = ks_session_write(s, "options/event-fork", "1", err);
		if (ret)
			return ret;
	}
	return ks_evsel_apply(s, sel, o->stacktrace, err);
}

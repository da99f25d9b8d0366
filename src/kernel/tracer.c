// SPDX-License-Identifier: GPL-2.0-only
/* Selecting and configuring an ftrace tracer inside a kscope session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "kscope/kernel/session.h"
#include "kscope/kernel/tracer.h"

static const char *const latency_tracers[] = {
	"irqsoff", "preemptoff", "preemptirqsoff", "wakeup", "wakeup_rt", "wakeup_dl",
};

bool ks_tracer_is_latency(const char *name)
{
	size_t i;

	for (i = 0; name && i < KS_ARRAY_SIZE(latency_tracers); i++)
		if (!strcmp(name, latency_tracers[i]))
			return true;
	return false;
}

bool ks_tracer_needs_top(const struct ks_tracer_opts *o)
{
	return ks_tracer_is_latency(o->name) || o->ngraph || o->max_depth > 0 ||
	       o->thresh_us >= 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (!p[n] || strchr(" \n", p[n])))
			return true;
	return false;
}

/* The `kscope check` line that says whether @name can run here. */
static const char *check_item(const char *name)
{
	if (!strcmp(name, "function") || !strcmp(name, "function_graph"))
		return name;
	return ks_tracer_is_latency(name) ? "latency_tracers" : "tracers";
}

bool ks_tracer_available(struct ks_session *s, const char *name)
{
	char *list = tracefs_instance_file_read(ks_session_instance(s), "available_tracers", NULL);
	bool ok = list && word_in(list, name);

	free(list);
	return ok;
}

int ks_tracer_session(struct ks_session **out, const char *tag, const struct ks_tracer_opts *o,
		      bool top_level, struct ks_err *err)
{
	struct ks_err e;
	int ret;

	if (!top_level && !ks_tracer_needs_top(o)) {
		ret = ks_session_open(out, tag, &e);
		/* No instances here, or not allowed to make one: the top level it is. */
		if (ret == -EPERM || ret == -EACCES || ret == -ENOENT)
			return ks_session_open_top(out, tag, err);
		if (ret) {
			if (err)
				*err = e;
			return ret;
		}
		if (!o->name || ks_tracer_available(*out, o->name))
			return 0;
		ks_session_close(*out, &e);
		*out = NULL;
	}
	return ks_session_open_top(out, tag, err);
}

/* Write a list of names to a filter file in one write: "a b c". */
static int write_list(struct ks_session *s, const char *file, const char **v, int n,
		      const char *what, struct ks_err *err)
{
	struct ks_buf b = { 0 };
	struct ks_err e;
	int i, ret;

	/* The kernel's parser wants the last name terminated (EIO without the newline). */
	for (i = 0; i < n; i++)
		ks_buf_addf(&b, "%s%s", v[i], i + 1 < n ? " " : "\n");
	if (!b.data)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = ks_session_write(s, file, b.data, &e);
	if (ret == -EINVAL || ret == -ENOENT)
		ks_err_set(err, ret, "%s '%s' matches no traceable function (not in "
			   "available_filter_functions: notrace, inlined, or a module not loaded?); %s",
			   what, b.data, e.msg);
	else if (ret == -EPERM || ret == -EACCES)
		ks_err_kernel(err, ret, "filter_functions", "the kernel refuses function filters "
			      "(%s): function tracing is locked down here; use -e tracepoints or "
			      "--uprobe", strerror(-ret));
	else if (ret)
		ks_err_set(err, ret, "%s", e.msg);
	ks_buf_free(&b);
	return ret;
}

static int set_num(struct ks_session *s, const char *file, long long v, struct ks_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	return ks_session_write(s, file, buf, err);
}

int ks_tracer_apply(struct ks_session *s, const struct ks_tracer_opts *o, struct ks_err *err)
{
	struct ks_err e;
	int ret = 0, i;

	if (!o->name)
		return 0;
	if (!ks_tracer_available(s, o->name)) {
		char *list = tracefs_instance_file_read(ks_session_instance(s), "available_tracers",
							NULL);

		ret = ks_err_kernel(err, -ENOENT, check_item(o->name), "tracer '%s' is not "
				    "available on this kernel "
				 "(available: %s)%s", o->name, list ? ks_strip(list) : "none",
				 !strncmp(o->name, "wakeup", 6) ? "; wakeup latency can still be "
				 "measured from sched:sched_wakeup and sched:sched_switch events" :
				 ks_tracer_is_latency(o->name) ? "; it needs a kernel built with "
				 "CONFIG_IRQSOFF_TRACER / CONFIG_PREEMPT_TRACER" :
				 !strcmp(o->name, "function_graph") ? "; -p function or -e "
				 "tracepoints may be there" : "");
		free(list);
		return ret;
	}
	if (o->nfilter)
		ret = write_list(s, "set_ftrace_filter", o->filter, o->nfilter, "-l", err);
	if (!ret && o->nnotrace)
		ret = write_list(s, "set_ftrace_notrace", o->notrace, o->nnotrace, "-n", err);
	if (!ret && o->ngraph)
		ret = write_list(s, "set_graph_function", o->graph, o->ngraph, "-g", err);
	if (!ret && o->max_depth > 0)
		ret = set_num(s, "max_graph_depth", o->max_depth, err);
	if (!ret && o->thresh_us >= 0)
		ret = set_num(s, "tracing_thresh", o->thresh_us, err);
	if (!ret && o->npids) {
		struct ks_buf b = { 0 };

		for (i = 0; i < o->npids; i++)
			ks_buf_addf(&b, "%d ", o->pids[i]);
		ret = b.data ? ks_session_write(s, "set_ftrace_pid", b.data, err) : -ENOMEM;
		ks_buf_free(&b);
	}
	if (!ret && o->children)
		ret = ks_session_write(s, "options/function-fork", "1", err);
	/* Latency tracers function-trace everything unless told not to: very slow. */
	if (!ret && ks_tracer_is_latency(o->name))
		ret = ks_session_write(s, "options/function-trace", o->function_trace ? "1" : "0",
				       err);
	/* A fresh maximum for this run (journaled: the old one comes back at the end). */
	if (!ret && ks_tracer_is_latency(o->name))
		ret = ks_session_write(s, "tracing_max_latency", "0", err);
	if (ret)
		return ret;
	ret = ks_session_write(s, "current_tracer", o->name, &e);
	if (ret == -EPERM || ret == -EACCES || ret == -EINVAL || ret == -ENODEV || ret == -EBUSY)
		return ks_err_kernel(err, ret, check_item(o->name), "the kernel refuses the %s "
				     "tracer (%s): it is listed but locked down or busy here "
				     "(tracepoints -e and --uprobe work without it)", o->name,
				     strerror(-ret));
	if (ret)
		return ks_err_set(err, ret, "%s", e.msg);
	return 0;
}

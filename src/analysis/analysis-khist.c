// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events aggregated by the kernel's hist triggers instead of streamed: the trigger is
 * written to the event in kscope's private instance (removed with it, and by kscope
 * reset after a crash), the event itself stays disabled, so none of its records is
 * written to the ring buffer, and the plugin reads the table when it reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "analysis-priv.h"
#include "kscope/analysis/analysis.h"
#include "kscope/base/hash.h"

#define KHIST_MAX_SIZE (1u << 17)	/* the kernel's largest table (TRACING_MAP_BITS_MAX) */

int ks_analysis_kernel_hist(struct ks_analysis *a, struct ks_evtype *t, const char *spec,
			    struct ks_err *err)
{
	unsigned int size = 2048;

	if (a->tdat || !t || !t->ev || a->o.path == KS_PATH_STREAM)
		return 0;
	while (size < a->o.max_entries && size < KHIST_MAX_SIZE)
		size *= 2;
	free(t->khist);
	if (asprintf(&t->khist, "hist:%s:size=%u", spec, size) < 0) {
		t->khist = NULL;
		return ks_err_set(err, -ENOMEM, "out of memory");
	}
	t->khist_required = a->o.path == KS_PATH_KERNEL;
	return 0;
}

bool ks_analysis_kernel_hist_on(const struct ks_analysis *a, const struct ks_evtype *t)
{
	return t && t->khist_on;
}

/* "events/SYS/EVENT/FILE" of @t. */
static void event_file(const struct ks_evtype *t, const char *file, char *buf, size_t size)
{
	const char *colon = strchr(t->name, ':');

	snprintf(buf, size, "events/%.*s/%s/%s", colon ? (int)(colon - t->name) : 0, t->name,
		 colon ? colon + 1 : t->name, file);
}

/* The trigger's text, with @extra (":clear") before its filter and @prefix ("!"). */
static char *trigger_text(const struct ks_evtype *t, const char *prefix, const char *extra)
{
	char *s;

	if (asprintf(&s, "%s%s%s%s%s", prefix, t->khist, extra, t->filter ? " if " : "",
		     t->filter ? t->filter : "") < 0)
		return NULL;
	return s;
}

int ks_analysis_khist_start(struct ks_analysis *a)
{
	char file[320], *text;
	struct ks_err e;
	int i, ret;

	for (i = 0; i < a->ntypes; i++) {
		struct ks_evtype *t = &a->types[i];

		if (!t->khist)
			continue;
		text = trigger_text(t, "", "");
		if (!text)
			return ks_err_set(a->err, -ENOMEM, "out of memory");
		event_file(t, "trigger", file, sizeof(file));
		ret = ks_session_write(a->sess, file, text, &e);
		free(text);
		if (!ret) {
			t->khist_on = true;
			continue;
		}
		if (t->khist_required)
			return ks_err_kernel(a->err, ret, "hist_triggers", "%s: the kernel "
					     "does not aggregate it: %s", t->name, e.msg);
		/* No hist triggers here: stream the event instead, with its filter. */
		if (t->filter) {
			event_file(t, "filter", file, sizeof(file));
			ret = ks_session_write(a->sess, file, t->filter, a->err);
			if (ret)
				return ret;
		}
		event_file(t, "enable", file, sizeof(file));
		ret = ks_session_write(a->sess, file, "1", a->err);
		if (ret)
			return ret;
	}
	return 0;
}

void ks_analysis_khist_stop(struct ks_analysis *a)
{
	char file[320], *text;
	int i;

	for (i = 0; a->sess && i < a->ntypes; i++) {
		struct ks_evtype *t = &a->types[i];

		if (!t->khist_on)
			continue;
		text = trigger_text(t, "!", "");
		event_file(t, "trigger", file, sizeof(file));
		/* The instance's removal drops it too: this is only tidiness. */
		if (text)
			ks_session_write(a->sess, file, text, NULL);
		free(text);
		t->khist_on = false;
	}
}

/* What an entry of the table held at the last read: the change is handed out. */
struct khist_seen {
	uint64_t val[KS_KHIST_MAX_VALS];
};

struct khist_read {
	struct ks_evtype *t;
	ks_khist_fn fn;
	void *arg;
};

static uint64_t entry_hash(const struct ks_khist_entry *e)
{
	uint64_t h = 0x51ed270b27a5c3d1ull;
	int i;

	for (i = 0; i < e->nkeys; i++) {
		h = ks_hash_u64(h ^ ks_hash_mem(e->key[i].text, strlen(e->key[i].text)));
		h = ks_hash_u64(h ^ e->key[i].num ^ (uint64_t)e->key[i].has_num);
	}
	return h;
}

/* One entry of the cumulative table: its change since the last read, if any, to the plugin. */
static int delta(void *arg, const struct ks_khist_entry *e)
{
	struct khist_read *r = arg;
	uint64_t h = entry_hash(e);
	const struct khist_seen *was = ks_map_find(r->t->khist_prev, h);
	struct khist_seen *now = ks_map_get(r->t->khist_next, h, NULL);
	struct ks_khist_entry d = *e;
	bool changed = !was;
	int i;

	if (now)
		memcpy(now->val, e->val, sizeof(now->val));
	for (i = 0; was && i < e->nvals; i++) {
		d.val[i] -= was->val[i];
		changed |= d.val[i] != 0;
	}
	return changed ? r->fn(r->arg, &d) : 0;
}

int ks_analysis_kernel_hist_read(struct ks_analysis *a, struct ks_evtype *t, ks_khist_fn fn,
				 void *arg, struct ks_khist_totals *tot, struct ks_err *err)
{
	struct khist_read r = { t, fn, arg };
	char file[320], *text;
	struct ks_map *m;
	uint64_t cum;
	int ret;

	memset(tot, 0, sizeof(*tot));
	if (!t->khist_on)
		return 0;
	if (!t->khist_prev)
		t->khist_prev = ks_map_new(sizeof(struct khist_seen), 1u << 20);
	if (!t->khist_next)
		t->khist_next = ks_map_new(sizeof(struct khist_seen), 1u << 20);
	if (!t->khist_prev || !t->khist_next)
		return ks_err_set(err, -ENOMEM, "out of memory");
	event_file(t, "hist", file, sizeof(file));
	text = tracefs_instance_file_read(ks_session_instance(a->sess), file, NULL);
	if (!text)
		return ks_err_runtime(err, -EIO, "cannot read %s of kscope's instance", file);
	ks_map_clear(t->khist_next);
	ret = ks_khist_parse(text, delta, &r, tot);
	free(text);
	if (ret == -EBADMSG)
		return ks_err_runtime(err, ret, "%s: a line kscope cannot read", file);
	if (ret)
		return ret;
	/*
	 * The table only grows (clearing it would lose what comes between the read and the
	 * clear): what was read now is what the next read is compared with.
	 */
	m = t->khist_prev;
	t->khist_prev = t->khist_next;
	t->khist_next = m;
	cum = tot->dropped;
	tot->dropped = cum >= t->khist_dropped ? cum - t->khist_dropped : cum;
	t->khist_dropped = cum;
	return 0;
}

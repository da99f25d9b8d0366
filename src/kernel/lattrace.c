// SPDX-License-Identifier: GPL-2.0-only
/* Latencies the kernel's latency tracers measured, read back from tracefs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/base/util.h"
#include "kscope/kernel/lattrace.h"
#include "kscope/kernel/session.h"

struct ks_lat {
	int ino_fd;
	bool every;
	unsigned long long last_us;
	char last_head[256];
};

void ks_lat_hit_free(struct ks_lat_hit *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}

int ks_lat_parse(char *text, struct ks_lat_hit *h, char *head, size_t head_size)
{
	char *line, *save = NULL, *p;
	struct ks_buf body = { 0 };
	bool any_body = false;

	memset(h, 0, sizeof(*h));
	h->cpu = -1;
	if (head_size)
		head[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '#') {
			any_body = true;
			ks_buf_addf(&body, "%s\n", line);
			continue;
		}
		if ((p = strstr(line, "# latency: "))) {
			h->us = strtoull(p + 11, NULL, 10);
			if ((p = strstr(line, "CPU#")))
				h->cpu = atoi(p + 4);
			snprintf(head, head_size, "%s", line);
		} else if ((p = strstr(line, "| task: "))) {
			snprintf(h->task, sizeof(h->task), "%.*s", (int)strcspn(p + 8, " "), p + 8);
		} else if ((p = strstr(line, "=> started at: "))) {
			snprintf(h->started, sizeof(h->started), "%s", ks_strip(p + 15));
		} else if ((p = strstr(line, "=> ended at:"))) {
			snprintf(h->ended, sizeof(h->ended), "%s", ks_strip(p + 12));
		}
	}
	h->body = body.data;
	if (h->us || any_body)
		return 0;
	ks_lat_hit_free(h);
	return -ENODATA;
}

int ks_lat_open(struct ks_lat **out, struct ks_session *s, bool every)
{
	struct ks_lat *l = calloc(1, sizeof(*l));
	char path[4200];

	if (!l)
		return -ENOMEM;
	l->every = every;
	snprintf(path, sizeof(path), "%s/tracing_max_latency", ks_session_dir(s));
	l->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (l->ino_fd >= 0 && inotify_add_watch(l->ino_fd, path, IN_MODIFY) < 0) {
		close(l->ino_fd);
		l->ino_fd = -1;
	}
	*out = l;
	return 0;
}

void ks_lat_free(struct ks_lat *l)
{
	if (!l)
		return;
	if (l->ino_fd >= 0)
		close(l->ino_fd);
	free(l);
}

int ks_lat_fd(const struct ks_lat *l)
{
	return l->ino_fd;
}

int ks_lat_timeout(const struct ks_lat *l)
{
	return l->ino_fd >= 0 ? 1000 : 50;
}

int ks_lat_poll(struct ks_lat *l, struct ks_lat_hit *h)
{
	char *val, *text, head[256], evbuf[4096];
	unsigned long long us;
	int ret = 0;

	if (l->ino_fd >= 0)
		while (read(l->ino_fd, evbuf, sizeof(evbuf)) > 0)
			;
	val = tracefs_instance_file_read(NULL, "tracing_max_latency", NULL);
	us = val ? strtoull(val, NULL, 10) : 0;
	free(val);
	/* The same maximum again is no news; with a threshold, each trace is. */
	if (!us || (us == l->last_us && !l->every))
		return 0;
	text = tracefs_instance_file_read(NULL, "trace", NULL);
	if (!text)
		return 0;
	if (!ks_lat_parse(text, h, head, sizeof(head))) {
		if (strcmp(head, l->last_head)) {
			snprintf(l->last_head, sizeof(l->last_head), "%s", head);
			l->last_us = us;
			ret = 1;
		} else {
			ks_lat_hit_free(h);
		}
	}
	free(text);
	return ret;
}

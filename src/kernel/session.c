// SPDX-License-Identifier: GPL-2.0-only
/*
 * Private tracefs instances and the journal that lets exit, signals and
 * `kscope reset` undo exactly what kscope did, and nothing else.
 *
 * Journal (one file per kscope process, lines appended and synced before each change):
 *   kscope-journal 1
 *   pid <pid>
 *   instance <name>
 *   top <file> <old value, hex>
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <unistd.h>

#include <tracefs.h>

#include "kscope/kernel/session.h"

struct ks_session {
	struct tracefs_instance *inst;	/* NULL for a top-level session */
	bool top;
	char name[96];
	char *dir;
	char journal[PATH_MAX];
	int journal_fd;
};

const char *ks_session_state_dir(void)
{
	const char *d = getenv("KSCOPE_STATE_DIR");

	return d && *d ? d : "/run/kscope";
}

const char *ks_tracefs_dir(struct ks_err *err)
{
	const char *env = getenv("KSCOPE_TRACEFS"), *dir;
	char path[PATH_MAX];

	/* An unusual mount point (or a test) names tracefs explicitly. */
	if (env && *env) {
		snprintf(path, sizeof(path), "%s/trace", env);
		if (access(path, F_OK) || tracefs_set_tracing_dir((char *)env)) {
			ks_err_set(err, -ENODEV, "KSCOPE_TRACEFS=%s is not a tracefs mount (no %s)",
				   env, path);
			return NULL;
		}
	}
	dir = tracefs_tracing_dir();
	if (!dir && geteuid()) {
		ks_err_set(err, -EACCES, "tracefs is not mounted, and only root can mount it "
			   "(run kscope as root)");
		return NULL;
	}
	if (!dir) {
		ks_err_kernel(err, -ENODEV, "tracefs", "tracefs is not available: the kernel "
			      "lacks CONFIG_TRACING or it cannot be mounted (try: mount -t tracefs "
			      "nodev /sys/kernel/tracing)");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/trace", dir);
	if (access(path, R_OK)) {
		ks_err_set(err, -EACCES, "cannot read %s: %s (run kscope as root)", path,
			   strerror(errno));
		return NULL;
	}
	return dir;
}

/*
 * error_log entries span three lines:
 *   [  123.456] event filter parse error: error: Field not found
 *     Command: bogus > 1
 *              ^
 * Fold the last one into one line: "event filter parse error: error: Field not
 * found (at column 1 of 'bogus > 1')".
 */
char *ks_tracefs_error_last(struct tracefs_instance *inst)
{
	char *e = tracefs_error_last(inst), *lines[3] = { NULL }, *msg, *cmd = NULL, *save = NULL;
	struct ks_buf b = { 0 };
	long col = -1;
	int n = 0;

	if (!e || !*ks_strip(e)) {
		free(e);
		return NULL;
	}
	for (msg = strtok_r(e, "\n", &save); msg && n < 3; msg = strtok_r(NULL, "\n", &save))
		lines[n++] = msg;
	msg = lines[0];
	if (*msg == '[' && strchr(msg, ']'))
		msg = strchr(msg, ']') + 1;
	while (*msg == ' ')
		msg++;
	if (lines[1] && (cmd = strstr(lines[1], "Command: "))) {
		cmd += 9;
		/* The caret line is indented to stand under the offending character. */
		if (lines[2] && strchr(lines[2], '^'))
			col = (strchr(lines[2], '^') - lines[2]) - (cmd - lines[1]);
	}
	ks_buf_addf(&b, "%s", msg);
	if (cmd && col >= 0 && col <= (long)strlen(cmd))
		ks_buf_addf(&b, " (at column %ld of '%s')", col + 1, cmd);
	else if (cmd)
		ks_buf_addf(&b, " (in '%s')", cmd);
	free(e);
	return b.data;
}

/* Append "<what> <a>[ <b>]\n" and make it durable before the change it announces. */
static int journal_add(struct ks_session *s, const char *what, const char *a, const char *b)
{
	struct ks_buf line = { 0 };
	int ret;

	if (ks_buf_addf(&line, "%s %s%s%s\n", what, a, b ? " " : "", b ? b : ""))
		return -ENOMEM;
	ret = ks_write_all(s->journal_fd, line.data, line.len);
	if (!ret && fdatasync(s->journal_fd))
		ret = -errno;
	ks_buf_free(&line);
	return ret;
}

static char *hex_encode(const char *s)
{
	size_t n = strlen(s);
	char *h = malloc(2 * n + 2);

	if (!h)
		return NULL;
	ks_hex(s, n, h);
	if (!n)
		strcpy(h, "-");
	return h;
}

static char *hex_decode(const char *h)
{
	size_t n = strlen(h), i;
	char *s;

	if (!strcmp(h, "-"))
		return strdup("");
	if (n % 2)
		return NULL;
	s = malloc(n / 2 + 1);
	if (!s)
		return NULL;
	for (i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(h + 2 * i, "%2x", &v) != 1) {
			free(s);
			return NULL;
		}
		s[i] = (char)v;
	}
	s[n / 2] = '\0';
	return s;
}

static int journal_open(struct ks_session *s, const char *tag, struct ks_err *err)
{
	const char *state = ks_session_state_dir();
	char pid[32];
	int ret;

	s->journal_fd = -1;
	snprintf(s->name, sizeof(s->name), "kscope-%s-%d", tag, (int)getpid());
	ret = ks_mkdir_p(state, 0700);
	if (ret)
		return ks_err_set(err, ret, "cannot create state directory %s: %s", state,
				  strerror(-ret));
	snprintf(s->journal, sizeof(s->journal), "%s/%s.journal", state, s->name);
	s->journal_fd = open(s->journal, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->journal_fd < 0)
		return ks_err_set(err, -errno, "cannot create journal %s: %s", s->journal,
				  strerror(errno));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = journal_add(s, "kscope-journal", "1", NULL);
	if (!ret)
		ret = journal_add(s, "pid", pid, NULL);
	if (ret) {
		close(s->journal_fd);
		unlink(s->journal);
		return ks_err_set(err, ret, "cannot write journal %s: %s", s->journal,
				  strerror(-ret));
	}
	return 0;
}

/*
 * One open, as many write()s as the file takes: the function filter files accept
 * one name per write() and return a short count for the rest.
 */
static int tracefs_write(struct tracefs_instance *inst, const char *file, const char *val,
			 bool append)
{
	char *path = tracefs_instance_get_file(inst, file);
	int fd, ret;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	tracefs_put_tracing_file(path);
	if (fd < 0)
		return -errno;
	ret = ks_write_all(fd, val, strlen(val));
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/*
 * At boot the top-level buffer is a stub ("7 (expanded: 1408)") until first use.
 * Resizing any instance marks it expanded without growing it, which would leave
 * the machine's top-level buffer at 7 KiB. Have the kernel do what first use
 * does: writing 0 to events/enable when nothing is enabled changes nothing else.
 */
static void complete_top_buffer(void)
{
	char *v = tracefs_instance_file_read(NULL, "buffer_size_kb", NULL);
	char *ev = v && strstr(v, "expanded: ") ? tracefs_instance_file_read(NULL, "set_event",
									     NULL) : NULL;

	if (v && strstr(v, "expanded: ") && (!ev || !*ks_strip(ev)))
		tracefs_write(NULL, "events/enable", "0", false);
	free(v);
	free(ev);
}

int ks_session_open(struct ks_session **out, const char *tag, struct ks_err *err)
{
	struct ks_session *s;
	int ret;

	if (!ks_tracefs_dir(err))
		return -ENODEV;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = journal_open(s, tag, err);
	if (ret)
		goto out_free;
	ret = journal_add(s, "instance", s->name, NULL);
	if (ret) {
		ks_err_set(err, ret, "cannot write journal %s: %s", s->journal, strerror(-ret));
		goto out_unlink;
	}
	if (tracefs_instance_exists(s->name)) {
		ret = ks_err_set(err, -EEXIST, "tracefs instance %s already exists; "
				 "run 'kscope reset'", s->name);
		goto out_unlink;
	}
	complete_top_buffer();
	s->inst = tracefs_instance_create(s->name);
	if (!s->inst) {
		ret = -errno ? -errno : -EIO;
		ks_err_set(err, ret, "cannot create tracefs instance %s: %s%s", s->name,
			   strerror(-ret), ret == -ENOENT || ret == -EPERM ?
			   " (this kernel does not allow tracefs instances)" : "");
		goto out_unlink;
	}
	s->dir = tracefs_instance_get_dir(s->inst);
	*out = s;
	return 0;

out_unlink:
	close(s->journal_fd);
	unlink(s->journal);
out_free:
	free(s);
	return ret;
}

int ks_session_open_top(struct ks_session **out, const char *tag, struct ks_err *err)
{
	const char *dir = ks_tracefs_dir(err);
	struct ks_session *s;
	char *tracer, *events;
	int ret = 0;

	if (!dir)
		return -ENODEV;
	/* Only one user of the top level at a time: never take it from someone else. */
	tracer = tracefs_instance_file_read(NULL, "current_tracer", NULL);
	events = tracefs_instance_file_read(NULL, "set_event", NULL);
	if (tracer && strcmp(ks_strip(tracer), "nop"))
		ret = ks_err_set(err, -EBUSY, "the top-level tracer is in use (current_tracer=%s); "
				 "stop whoever set it (or 'kscope reset' if it was kscope)", tracer);
	else if (events && *ks_strip(events))
		ret = ks_err_set(err, -EBUSY, "top-level events are enabled by someone else "
				 "(set_event: %.60s); stop them first", events);
	free(tracer);
	free(events);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ks_err_set(err, -ENOMEM, "out of memory");
	s->top = true;
	ret = journal_open(s, tag, err);
	if (ret) {
		free(s);
		return ret;
	}
	complete_top_buffer();
	s->dir = strdup(dir);
	*out = s;
	return 0;
}

bool ks_session_is_top(const struct ks_session *s)
{
	return s->top;
}

struct tracefs_instance *ks_session_instance(struct ks_session *s)
{
	return s->inst;
}

const char *ks_session_name(const struct ks_session *s)
{
	return s->name;
}

const char *ks_session_dir(const struct ks_session *s)
{
	return s->dir;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

static int write_tracefs(struct tracefs_instance *inst, const char *file, const char *val,
			 struct ks_err *err)
{
	char *log;
	int ret;

	tracefs_error_clear(inst);
	/* Opening a trigger file with O_TRUNC drops every trigger on the event: append. */
	ret = tracefs_write(inst, file, val, ends_with(file, "/trigger"));
	if (!ret)
		return 0;
	log = ks_tracefs_error_last(inst);
	ks_err_set(err, ret, "writing '%s' to %s: %s%s%s", val, file, strerror(-ret),
		   log ? "; kernel says: " : "", log ? log : "");
	free(log);
	return ret;
}

int ks_session_write(struct ks_session *s, const char *file, const char *val, struct ks_err *err)
{
	if (s->top)
		return ks_session_set_top(s, file, val, err);
	return write_tracefs(s->inst, file, val, err);
}

int ks_session_set_top(struct ks_session *s, const char *file, const char *val,
		       struct ks_err *err)
{
	char *old, *hex;
	int ret;

	/* A trigger is undone by removing it ("!cmd"), not by rewriting the file. */
	if (ends_with(file, "/trigger")) {
		hex = hex_encode(val);
		ret = hex ? journal_add(s, "trigger", file, hex) : -ENOMEM;
		free(hex);
		if (ret)
			return ks_err_set(err, ret, "cannot write journal %s: %s", s->journal,
					  strerror(-ret));
		return write_tracefs(NULL, file, val, err);
	}
	{
		char path[PATH_MAX];

		/* ks_read_file, not libtracefs: an empty file is a value too. */
		snprintf(path, sizeof(path), "%s/%s", s->dir, file);
		ret = ks_read_file(path, &old, NULL);
		if (ret)
			return ks_err_set(err, ret, "cannot read %s: %s", path, strerror(-ret));
	}
	hex = hex_encode(old);
	free(old);
	if (!hex)
		return ks_err_set(err, -ENOMEM, "out of memory");
	ret = journal_add(s, "top", file, hex);
	free(hex);
	if (ret)
		return ks_err_set(err, ret, "cannot write journal %s: %s", s->journal,
				  strerror(-ret));
	return write_tracefs(NULL, file, val, err);
}

/* trace_clock reads as "[local] global counter ...". */
static bool clock_listed(const char *clocks, const char *want)
{
	size_t n = strlen(want);
	const char *p;

	for (p = clocks; n && (p = strstr(p, want)); p += n)
		if ((p == clocks || strchr(" [", p[-1])) && (!p[n] || strchr(" ]\n", p[n])))
			return true;
	return false;
}

int ks_session_set_clock(struct ks_session *s, const char *clock, struct ks_err *err)
{
	char *clocks = tracefs_instance_file_read(s->inst, "trace_clock", NULL);
	int ret;

	if (!clocks || !clock_listed(clocks, clock)) {
		ret = ks_err_set(err, -EINVAL, "unknown trace clock '%s' (this kernel has: %s)", clock,
				 clocks ? ks_strip(clocks) : "none");
		free(clocks);
		return ret;
	}
	free(clocks);
	return ks_session_write(s, "trace_clock", clock, err);
}

int ks_session_add_probe(struct ks_session *s, const char *file, const char *def,
			 struct ks_err *err)
{
	char *hex = hex_encode(def);
	int ret;

	ret = hex ? journal_add(s, "probe", file, hex) : -ENOMEM;
	free(hex);
	if (ret)
		return ks_err_set(err, ret, "cannot write journal %s: %s", s->journal,
				  strerror(-ret));
	tracefs_error_clear(NULL);
	ret = tracefs_write(NULL, file, def, true);
	if (!ret)
		return 0;
	{
		char *log = ks_tracefs_error_last(NULL);

		ks_err_set(err, ret, "%s%s%s", strerror(-ret), log ? "; kernel says: " : "",
			   log ? log : "");
		free(log);
	}
	return ret;
}

/*
 * What a tracefs file holds is not always what writing it takes: current_tracer
 * reads back as the name, trace_clock as "[local] global ...", options as 0/1.
 * Turn the saved text into the value to write back.
 */
static char *restore_value(const char *file, const char *old)
{
	const char *l = strchr(old, '['), *r = l ? strchr(l, ']') : NULL, *p;
	struct ks_buf b = { 0 };

	if (!strcmp(file, "trace_clock") && l && r)
		return strndup(l + 1, r - l - 1);
	/* "0*": disabled, with a trigger attached (soft mode). */
	if (ends_with(file, "/enable"))
		return strndup(old, strspn(old, "01"));
	/* An event filter reads "none" when unset; "0" clears it. */
	if (ends_with(file, "/filter") && !strncmp(old, "none", 4))
		return strdup("0");
	/* "7 (expanded: 1408)": the size that is in effect. */
	if (!strcmp(file, "buffer_size_kb") && (p = strstr(old, "expanded: ")))
		return strndup(p + 10, strspn(p + 10, "0123456789"));
	/* Filter files list one entry a line; "#### all functions enabled ####" means none. */
	for (p = old; *p; ) {
		size_t n = strcspn(p, "\n");

		if (*p != '#' && n)
			ks_buf_addf(&b, "%s%.*s", b.len ? "\n" : "", (int)n, p);
		p += n + (p[n] == '\n');
	}
	if (!b.data)
		return strdup("");
	ks_strip(b.data);
	return b.data;
}

struct undo_ctx {
	int restored;
	int instances;
	int failed;
	struct ks_err *err;
};

static void undo_top(struct undo_ctx *u, const char *file, const char *hex)
{
	char *old = hex_decode(hex), *val = old ? restore_value(file, old) : NULL;
	struct ks_err e;

	if (!val || write_tracefs(NULL, file, *val ? val : "\n", &e)) {
		u->failed++;
		ks_err_set(u->err, -EIO, "cannot restore %s: %s", file, val ? e.msg : "bad journal");
	} else {
		u->restored++;
	}
	free(old);
	free(val);
}

static int write_tracefs_append(const char *file, const char *val, struct ks_err *err)
{
	int ret;

	tracefs_error_clear(NULL);
	ret = tracefs_write(NULL, file, val, true);
	return ret ? ks_err_set(err, ret, "%s", strerror(-ret)) : 0;
}

static void undo_trigger(struct undo_ctx *u, const char *file, const char *hex)
{
	char *added = hex_decode(hex), cmd[128];
	struct ks_err e;

	if (!added) {
		u->failed++;
		ks_err_set(u->err, -EIO, "bad journal line for %s", file);
		return;
	}
	snprintf(cmd, sizeof(cmd), "!%.*s", (int)strcspn(added, " :"), added);
	/* A trigger already gone (someone removed it) is not a failure to restore. */
	if (!write_tracefs(NULL, file, cmd, &e))
		u->restored++;
	free(added);
}

/* "p:grp/name ..." is removed with "-:grp/name". */
static void undo_probe(struct undo_ctx *u, const char *file, const char *hex)
{
	char *def = hex_decode(hex), del[256];
	struct ks_err e;
	size_t n;

	if (!def || strlen(def) < 3 || def[1] != ':') {
		u->failed++;
		ks_err_set(u->err, -EIO, "bad journal line for %s", file);
		free(def);
		return;
	}
	n = strcspn(def + 2, " \t");
	snprintf(del, sizeof(del), "-:%.*s", (int)n, def + 2);
	if (write_tracefs_append(file, del, &e) && !strstr(e.msg, "No such file")) {
		u->failed++;
		ks_err_set(u->err, -EIO, "cannot remove probe %s: %s", del + 2, e.msg);
	} else {
		u->restored++;
	}
	free(def);
}

static void undo_instance(struct undo_ctx *u, const char *name)
{
	struct tracefs_instance *inst;

	if (!tracefs_instance_exists(name))
		return;
	inst = tracefs_instance_alloc(NULL, name);
	if (!inst || tracefs_instance_destroy(inst)) {
		u->failed++;
		ks_err_set(u->err, -EIO, "cannot remove tracefs instance %s: %s", name,
			   strerror(errno));
	} else {
		u->instances++;
	}
	tracefs_instance_free(inst);
}

/*
 * Undo a journal's lines, newest first, but remove instances before anything
 * else: a probe enabled in an instance cannot be deleted while the instance lives.
 */
static void undo_journal(struct undo_ctx *u, char *text)
{
	char *lines[4096];
	int n = 0, i;
	char *save = NULL, *l;

	for (l = strtok_r(text, "\n", &save); l && n < (int)KS_ARRAY_SIZE(lines);
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	for (i = n - 1; i >= 0; i--)
		if (!strncmp(lines[i], "instance ", 9))
			undo_instance(u, lines[i] + 9);
	for (i = n - 1; i >= 0; i--) {
		char *sp, *file;
		int skip;

		if (!strncmp(lines[i], "top ", 4))
			skip = 4;
		else if (!strncmp(lines[i], "trigger ", 8))
			skip = 8;
		else if (!strncmp(lines[i], "probe ", 6))
			skip = 6;
		else
			continue;
		file = lines[i] + skip;
		sp = strchr(file, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		if (skip == 4)
			undo_top(u, file, sp + 1);
		else if (skip == 8)
			undo_trigger(u, file, sp + 1);
		else
			undo_probe(u, file, sp + 1);
	}
}

int ks_session_close(struct ks_session *s, struct ks_err *err)
{
	struct undo_ctx u = { .err = err };
	char *text = NULL;
	int ret = 0;

	if (!s)
		return 0;
	if (s->inst || s->top) {
		/* Stop writers before the rmdir so nothing races with the removal. */
		tracefs_instance_file_write(s->inst, "tracing_on", "0");
		tracefs_instance_free(s->inst);
		s->inst = NULL;
	}
	if (s->journal_fd >= 0)
		close(s->journal_fd);
	if (!ks_read_file(s->journal, &text, NULL)) {
		undo_journal(&u, text);
		free(text);
	}
	if (u.failed)
		ret = -EIO;
	else
		unlink(s->journal);
	free(s->dir);
	free(s);
	return ret;
}

static int journal_pid(const char *text)
{
	const char *p = strstr(text, "\npid ");

	return p ? atoi(p + 5) : -1;
}

/* Alive and still a kscope: a reused pid does not keep a dead run's journal alive. */
static int kscope_alive(int pid)
{
	char path[64], *comm = NULL;
	int alive;

	if (!ks_pid_alive(pid))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (ks_read_file(path, &comm, NULL))
		return 1;
	alive = !strncmp(comm, "kscope", 6);
	free(comm);
	return alive;
}

int ks_session_reset(struct ks_reset_result *res, struct ks_err *err)
{
	const char *state = ks_session_state_dir();
	struct undo_ctx u = { .err = err };
	struct dirent *de;
	DIR *d;

	memset(res, 0, sizeof(*res));
	if (!ks_tracefs_dir(err))
		return -ENODEV;
	d = opendir(state);
	if (!d)
		return errno == ENOENT ? 0 : ks_err_runtime(err, -errno, "cannot open %s: %s",
							     state, strerror(errno));
	while ((de = readdir(d))) {
		char path[PATH_MAX], *text;
		size_t n = strlen(de->d_name);
		int pid, before;

		if (n < 8 || strcmp(de->d_name + n - 8, ".journal"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state, de->d_name);
		if (ks_read_file(path, &text, NULL))
			continue;
		pid = journal_pid(text);
		if (pid == (int)getpid() || kscope_alive(pid)) {
			res->alive++;
			free(text);
			continue;
		}
		before = u.failed;
		undo_journal(&u, text);
		free(text);
		if (u.failed == before) {
			unlink(path);
			res->journals++;
		}
	}
	closedir(d);
	res->instances = u.instances;
	res->restored = u.restored;
	res->failed = u.failed;
	return u.failed ? -EIO : 0;
}

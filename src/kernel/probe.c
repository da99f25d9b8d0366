// SPDX-License-Identifier: GPL-2.0-only
/* Building and creating kprobe/uprobe definitions. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kscope/base/parse.h"
#include "kscope/symbols/elfsym.h"
#include "kscope/kernel/probe.h"
#include "kscope/kernel/session.h"

#define PROBE_GROUP "kscope"

static void sanitize(char *name)
{
	char *p;

	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	if (isdigit((unsigned char)name[0]))
		name[0] = '_';
}

/* kprobe_events / uprobe_events exist exactly when the kernel has that probe type. */
static const char *events_file(const char *tracefs, bool uprobe)
{
	const char *file = uprobe ? "uprobe_events" : "kprobe_events";
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	return access(path, F_OK) ? NULL : file;
}

/* "p:grp/name rest" or "p:name rest": take the group and name the user chose. */
static const char *split_head(const char *spec, char type, struct ks_probe *p)
{
	const char *sp, *slash;

	if (spec[0] != type || spec[1] != ':')
		return spec;
	sp = spec + 2 + strcspn(spec + 2, " \t");
	slash = memchr(spec + 2, '/', sp - (spec + 2));
	if (slash) {
		snprintf(p->group, sizeof(p->group), "%.*s", (int)(slash - spec - 2), spec + 2);
		snprintf(p->name, sizeof(p->name), "%.*s", (int)(sp - slash - 1), slash + 1);
	} else {
		snprintf(p->name, sizeof(p->name), "%.*s", (int)(sp - spec - 2), spec + 2);
	}
	while (*sp == ' ' || *sp == '\t')
		sp++;
	return sp;
}

int ks_probe_parse(enum ks_probe_kind kind, const char *spec, const char *tracefs,
		   struct ks_probe *p, struct ks_err *err)
{
	bool ret_probe = kind == KS_KRETPROBE || kind == KS_URETPROBE;
	bool uprobe = kind == KS_UPROBE || kind == KS_URETPROBE;
	char type = ret_probe ? 'r' : 'p', target[1024], *args;
	const char *rest;
	size_t n;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	snprintf(p->group, sizeof(p->group), PROBE_GROUP);
	p->file = events_file(tracefs, uprobe);
	if (!p->file)
		return ks_err_kernel(err, -EOPNOTSUPP, uprobe ? "uprobe_events" : "kprobe_events",
				     "this kernel has no %s events (%s); use tracepoints (-e)%s",
				     uprobe ? "uprobe" : "kprobe",
				     uprobe ? "CONFIG_UPROBE_EVENTS" : "CONFIG_KPROBE_EVENTS",
				     uprobe ? "" : " or --uprobe for user space");
	rest = split_head(spec, type, p);
	n = strcspn(rest, " \t");
	if (!n || n >= sizeof(target))
		return ks_err_set(err, -EINVAL, "bad probe '%s': expected %s", spec,
				  uprobe ? "BINARY:SYMBOL [args]" : "FUNCTION [args]");
	snprintf(target, sizeof(target), "%.*s", (int)n, rest);
	args = (char *)rest + n;
	while (*args == ' ' || *args == '\t')
		args++;

	if (uprobe) {
		char *colon = strrchr(target, ':'), path[4096], *plus;
		uint64_t off, extra = 0;
		int ret;

		if (!colon || colon == target || !colon[1])
			return ks_err_set(err, -EINVAL, "bad uprobe '%s': expected BINARY:SYMBOL", spec);
		*colon = '\0';
		plus = strchr(colon + 1, '+');
		if (plus) {
			*plus = '\0';
			if (ks_parse_u64(plus + 1, &extra))
				return ks_err_set(err, -EINVAL, "bad offset '+%s' in '%s'", plus + 1,
						  spec);
		}
		if (ks_elf_resolve_path(target, path, sizeof(path)))
			return ks_err_set(err, -ENOENT, "cannot find binary '%s' (give a path)",
					  target);
		if (!strncmp(colon + 1, "0x", 2)) {
			struct stat st;

			if (ks_parse_u64(colon + 1, &off))
				return ks_err_set(err, -EINVAL, "bad offset in '%s'", spec);
			if (stat(path, &st) || off >= (uint64_t)st.st_size)
				return ks_err_set(err, -EINVAL, "offset %s is beyond the end of %s",
						  colon + 1, path);
		} else {
			ret = ks_elf_func_offset(path, colon + 1, &off, err);
			if (ret)
				return ret;
		}
		if (!p->name[0]) {
			snprintf(p->name, sizeof(p->name), "%s%s", colon + 1, ret_probe ? "_ret" : "");
			sanitize(p->name);
		}
		if (!*args && ret_probe)
			args = "ret=$retval";
		if (snprintf(p->def, sizeof(p->def), "%c:%s/%s %s:0x%llx%s%s", type, p->group,
			     p->name, path, (unsigned long long)(off + extra), *args ? " " : "",
			     args) >= (int)sizeof(p->def))
			return ks_err_set(err, -E2BIG, "probe definition too long: '%s'", spec);
	} else {
		if (!p->name[0]) {
			snprintf(p->name, sizeof(p->name), "%.*s%s", (int)strcspn(target, "+"), target,
				 ret_probe ? "_ret" : "");
			sanitize(p->name);
		}
		/* A return probe without arguments shows the return value. */
		if (!*args && ret_probe)
			args = "ret=$retval";
		if (snprintf(p->def, sizeof(p->def), "%c:%s/%s %s%s%s", type, p->group, p->name,
			     target, *args ? " " : "", args) >= (int)sizeof(p->def))
			return ks_err_set(err, -E2BIG, "probe definition too long: '%s'", spec);
	}
	sanitize(p->group);
	return 0;
}

int ks_probe_create(struct ks_session *s, const struct ks_probe *p, struct ks_err *err)
{
	bool uprobe = p->kind == KS_UPROBE || p->kind == KS_URETPROBE;
	struct ks_err e;
	int ret;

	ret = ks_session_add_probe(s, p->file, p->def, &e);
	if (!ret)
		return 0;
	if (ret == -EEXIST || ret == -EBUSY)
		return ks_err_set(err, ret, "probe %s/%s already exists (another kscope running? "
				  "name it: 'p:%s/NAME ...')", p->group, p->name, p->group);
	return ks_err_set(err, ret, "the kernel rejected '%s': %s%s", p->def, e.msg,
			  uprobe ? "" : "; hint: the function must be in "
			  "available_filter_functions (not notrace, not inlined)");
}

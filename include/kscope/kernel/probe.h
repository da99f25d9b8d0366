/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kprobe, kretprobe, uprobe and uretprobe events that kscope creates for a run.
 * Each is journaled before it is written, removed at exit and by `kscope reset`;
 * probes kscope did not create are never touched.
 */
#ifndef KSCOPE_KERNEL_PROBE_H
#define KSCOPE_KERNEL_PROBE_H

#include "kscope/base/util.h"

struct ks_session;

enum ks_probe_kind { KS_KPROBE, KS_KRETPROBE, KS_UPROBE, KS_URETPROBE };

struct ks_probe {
	enum ks_probe_kind kind;
	char group[64];
	char name[64];
	char def[1024];		/* what is written to the events file */
	const char *file;	/* kprobe_events, uprobe_events or dynamic_events */
};

/*
 * From the command line to a definition:
 *   kprobe:    "[p:[GRP/]NAME] FUNC[+OFF] [ARGS]"      (default GRP "kscope")
 *   kretprobe: "[r:[GRP/]NAME] FUNC [ARGS]"            ($retval added if no args)
 *   uprobe:    "BINARY:SYMBOL[+OFF] [ARGS]"             (SYMBOL -> file offset via libelf)
 *   uretprobe: "BINARY:SYMBOL [ARGS]"
 */
int ks_probe_parse(enum ks_probe_kind kind, const char *spec, const char *tracefs,
		   struct ks_probe *p, struct ks_err *err);
/* Journal, then create; a rejection carries the kernel's error_log text and a hint. */
int ks_probe_create(struct ks_session *s, const struct ks_probe *p, struct ks_err *err);

#endif

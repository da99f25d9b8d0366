/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analyses built into kscope, one plugins/<name>.c each, registered in one table
 * (plugins/plugins.c): `kscope NAME` runs one, `kscope list analyses` lists them.
 */
#ifndef KSCOPE_PLUGINS_PLUGINS_H
#define KSCOPE_PLUGINS_PLUGINS_H

#include <stddef.h>

#include "kscope/analysis/analysis.h"

extern const struct ks_plugin ks_plugin_biolatency;
extern const struct ks_plugin ks_plugin_biosnoop;
extern const struct ks_plugin ks_plugin_biotop;
extern const struct ks_plugin ks_plugin_cpudist;
extern const struct ks_plugin ks_plugin_hardirqs;
extern const struct ks_plugin ks_plugin_hist;
extern const struct ks_plugin ks_plugin_offcputime;
extern const struct ks_plugin ks_plugin_offwaketime;
extern const struct ks_plugin ks_plugin_wakeuptime;
extern const struct ks_plugin ks_plugin_runqlat;
extern const struct ks_plugin ks_plugin_runqlen;
extern const struct ks_plugin ks_plugin_softirqs;
extern const struct ks_plugin ks_plugin_syscount;

/* Every analysis, in the order kscope lists them. */
const struct ks_plugin *const *ks_plugins(size_t *n);
/* The analysis called @name, or NULL. */
const struct ks_plugin *ks_plugin_find(const char *name);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* The table of analyses: a new one gets a line here and a man page. */
#include <string.h>

#include "kscope/plugins/plugins.h"

static const struct ks_plugin *const plugins[] = {
	&ks_plugin_syscount,
	&ks_plugin_runqlat,
	&ks_plugin_runqlen,
	&ks_plugin_cpudist,
	&ks_plugin_offcputime,
	&ks_plugin_wakeuptime,
	&ks_plugin_offwaketime,
	&ks_plugin_hardirqs,
	&ks_plugin_softirqs,
	&ks_plugin_biolatency,
	&ks_plugin_biosnoop,
	&ks_plugin_biotop,
	&ks_plugin_hist,
};

const struct ks_plugin *const *ks_plugins(size_t *n)
{
	*n = sizeof(plugins) / sizeof(plugins[0]);
	return plugins;
}

const struct ks_plugin *ks_plugin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(plugins) / sizeof(plugins[0]); i++)
		if (!strcmp(plugins[i]->name, name))
			return plugins[i];
	return NULL;
}

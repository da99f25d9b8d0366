// SPDX-License-Identifier: GPL-2.0-only
/* Built-in syscall tables, by architecture. */
#include <string.h>

#include "kscope/base/util.h"
#include "kscope/kernel/syscalls.h"
#include "syscalls-tables.h"

struct arch_table {
	const char *arch;
	const char *const *names;
	long n;
};

static const struct arch_table tables[] = {
	{ "x86_64", syscalls_x86_64, (long)KS_ARRAY_SIZE(syscalls_x86_64) },
	{ "i386", syscalls_i386, (long)KS_ARRAY_SIZE(syscalls_i386) },
	{ "aarch64", syscalls_aarch64, (long)KS_ARRAY_SIZE(syscalls_aarch64) },
	{ "arm", syscalls_arm, (long)KS_ARRAY_SIZE(syscalls_arm) },
};

const char *ks_syscall_arch(const char *machine)
{
	if (!machine)
		return NULL;
	if (!strcmp(machine, "x86_64") || !strcmp(machine, "amd64"))
		return "x86_64";
	if (!strcmp(machine, "aarch64") || !strcmp(machine, "arm64"))
		return "aarch64";
	if (machine[0] == 'i' && machine[1] && !strcmp(machine + 2, "86"))
		return "i386";
	if (!strncmp(machine, "arm", 3))
		return "arm";
	return NULL;
}

const char *ks_syscall_host_machine(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "aarch64";
#elif defined(__i386__)
	return "i386";
#elif defined(__arm__)
	return "arm";
#else
	return NULL;
#endif
}

static const struct arch_table *table_of(const char *arch)
{
	size_t i;

	for (i = 0; arch && i < KS_ARRAY_SIZE(tables); i++)
		if (!strcmp(tables[i].arch, arch))
			return &tables[i];
	return NULL;
}

const char *ks_syscall_name(const char *arch, long nr)
{
	const struct arch_table *t = table_of(arch);

	return t && nr >= 0 && nr < t->n ? t->names[nr] : NULL;
}

long ks_syscall_number(const char *arch, const char *name)
{
	const struct arch_table *t = table_of(arch);
	long i;

	for (i = 0; t && i < t->n; i++)
		if (t->names[i] && !strcmp(t->names[i], name))
			return i;
	return -1;
}

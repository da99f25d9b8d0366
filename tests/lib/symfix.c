// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fixture for tests/unit/test-symbols.c: functions with known names (one static),
 * and an always_inline function inlined into another. Built with -g -O2, then
 * copied stripped in several ways with its debuginfo laid out under fake symfs
 * directories (see the Makefile). noipa keeps gcc from inlining, cloning or
 * renaming the named functions (no "sf_static.constprop.0").
 */
#include <stdio.h>

#if defined(__clang__)
#define SF_KEEP __attribute__((noinline, used))
#else
#define SF_KEEP __attribute__((noipa, used))
#endif

volatile int sf_sink;

/*
 * A hand-written function without a size (no .size), as assembly often has; local,
 * so that it is not in the -dyn copy's .dynsym.
 */
__asm__(".text\n"
	".type sf_asm, %function\n"
	"sf_asm:\n"
	"\tnop\n"
	"\tnop\n"
	"\tret\n");

static SF_KEEP int sf_static(int x)
{
	return x * 3 + sf_sink;
}

static inline __attribute__((always_inline)) int sf_inlined(int x)
{
	sf_sink += x;
	return sf_sink * 7;
}

SF_KEEP int sf_outer(int x)
{
	int r = sf_static(x);

	r += sf_inlined(x);
	return r + 1;
}

SF_KEEP int sf_global(int x)
{
	return sf_outer(x) ^ sf_static(x);
}

int main(int argc, char **argv)
{
	printf("%d\n", sf_global(argc));
	return 0;
}

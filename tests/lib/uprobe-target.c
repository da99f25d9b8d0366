// SPDX-License-Identifier: GPL-2.0-only
/* uprobe test target: "uprobe-target N" calls ks_target_add(i, 2*i) N times, mallocs N blocks. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int ks_target_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10, i;
	long sum = 0;
	void *volatile keep;

	for (i = 0; i < n; i++) {
		sum += ks_target_add(i, 2 * i);
		keep = malloc(1000 + i);
		free(keep);
	}
	printf("%ld\n", sum);
	return 0;
}

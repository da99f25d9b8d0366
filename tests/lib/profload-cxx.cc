// SPDX-License-Identifier: GPL-2.0-only
/*
 * A C++ profiler workload for demangling: a function in a namespace, a method of a
 * class template and an operator(), busy in the proportions 50:30:20 for the given
 * seconds. None is inlined, so each is a frame of its own under main; the template's
 * loop body is a method inlined into it (a frame with --inline).
 *   profload-cxx SECONDS
 */
#include <cstdlib>
#include <ctime>

namespace kscope_test {

static volatile unsigned long sink;

__attribute__((noinline)) void spin_ns(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink = sink + i;
}

template <typename T> struct Spinner {
	/* always inlined: with --inline it is a frame "kscope_test::Spinner<int>::step" */
	__attribute__((always_inline)) inline void step(T i)
	{
		sink = sink + (unsigned long)i;
	}

	__attribute__((noinline)) T burn(T n)
	{
		for (T i = 0; i < n; i++)
			step(i);
		return n;
	}
};

struct Functor {
	__attribute__((noinline)) void operator()(unsigned long n) const
	{
		for (unsigned long i = 0; i < n; i++)
			sink = sink + i;
	}
};

} // namespace kscope_test

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2;
	struct timespec a, b;
	kscope_test::Spinner<int> s;
	kscope_test::Functor f;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int r = 0; r < 100; r++) {
			kscope_test::spin_ns(50000);
			s.burn(30000);
			f(20000);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * DWARF unwinding fixture: main -> level1 -> level2 -> level3, spinning in level3.
 * Built with -O2 -g -fomit-frame-pointer, so only CFI recovers the chain. Writes
 * "ready\n" to stdout before the calls; exits after argv[1] seconds (default 20).
 * With a second argument, SIGUSR1 interrupts level3: the handler writes the
 * interrupted pc in hex to stdout and spins in unwfix_handler -> unwfix_handler_spin,
 * to unwind through a signal frame.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>
#include <stdlib.h>
#include <unistd.h>

volatile int unwfix_stop;
volatile unsigned long unwfix_sink;

__attribute__((noinline, noclone)) void level3(unsigned long n)
{
	unsigned long x = n;

	/* Not provably endless: callers keep a normal call and return path. */
	while (!unwfix_stop) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		unwfix_sink = x;
	}
}

__attribute__((noinline, noclone)) void unwfix_handler_spin(void)
{
	while (!unwfix_stop)
		unwfix_sink++;
}

void unwfix_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned long pc = 0;
	char buf[32];
	int i = sizeof(buf);

	(void)si;
#if defined(__x86_64__)
	pc = uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = uc->uc_mcontext.pc;
#endif
	buf[--i] = '\n';
	do {
		buf[--i] = "0123456789abcdef"[pc & 15];
		pc >>= 4;
	} while (pc);
	if (write(1, buf + i, sizeof(buf) - i) > 0)
		unwfix_handler_spin();
	unwfix_sink += sig;
}

/*
 * The locals give each caller a stack frame of its own size; the code after the call
 * keeps it from being a tail call.
 */
__attribute__((noinline, noclone)) void level2(unsigned long n)
{
	volatile unsigned long pad[5];

	pad[0] = n;
	level3(pad[0] + 1);
	unwfix_sink += pad[0];
}

__attribute__((noinline, noclone)) void level1(unsigned long n)
{
	volatile unsigned long pad[11];

	pad[3] = n;
	level2(pad[3] + 2);
	unwfix_sink += pad[3];
}

int main(int argc, char **argv)
{
	alarm(argc > 1 ? atoi(argv[1]) : 20);
	if (argc > 2) {
		struct sigaction sa = { .sa_sigaction = unwfix_handler, .sa_flags = SA_SIGINFO };

		sigaction(SIGUSR1, &sa, NULL);
	}
	if (write(1, "ready\n", 6) != 6)
		return 1;
	level1((unsigned long)argc);
	return 0;
}

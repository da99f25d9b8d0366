// SPDX-License-Identifier: GPL-2.0-only
/* Running the traced command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kscope/kernel/child.h"

static bool in_path(const char *cmd)
{
	const char *p = getenv("PATH");
	char path[4096];

	while (p && *p) {
		size_t n = strcspn(p, ":");

		snprintf(path, sizeof(path), "%.*s/%s", (int)n, p, cmd);
		if (!access(path, X_OK))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

int ks_child_check(char *const argv[], struct ks_err *err)
{
	if (strchr(argv[0], '/'))
		return access(argv[0], X_OK) ? ks_err_set(err, -ENOENT, "cannot run '%s': %s",
							   argv[0], strerror(errno)) : 0;
	return in_path(argv[0]) ? 0 : ks_err_set(err, -ENOENT, "cannot run '%s': not found in "
						  "PATH", argv[0]);
}

int ks_child_fork(struct ks_child *c, char *const argv[], const sigset_t *mask,
		  struct ks_err *err)
{
	int go[2], ex[2];

	memset(c, 0, sizeof(*c));
	c->go_fd = c->exec_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return ks_err_set(err, -errno, "pipe: %s", strerror(errno));
	if (pipe2(ex, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return ks_err_set(err, -errno, "pipe: %s", strerror(errno));
	}
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		return ks_err_set(err, -errno, "fork: %s", strerror(errno));
	}
	if (c->pid == 0) {
		char b;
		int e;

		close(go[1]);
		close(ex[0]);
		/* kscope ignores SIGPIPE (main.c); the command must not inherit that. */
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		if (read(go[0], &b, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		/* The parent learns why through the close-on-exec pipe. */
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		/* As a shell says it: 127 not found, 126 found but not runnable. */
		_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
	}
	close(go[0]);
	close(ex[1]);
	c->go_fd = go[1];
	c->exec_fd = ex[0];
	return 0;
}

int ks_child_start(struct ks_child *c)
{
	int ret = 0;

	if (c->pid <= 0 || c->go_fd < 0)
		return 0;
	if (write(c->go_fd, "g", 1) != 1)
		ret = -errno;
	close(c->go_fd);
	c->go_fd = -1;
	return ret;
}

bool ks_child_reap(struct ks_child *c)
{
	int e;

	if (c->pid <= 0 || waitpid(c->pid, &c->status, WNOHANG) != c->pid)
		return false;
	c->pid = 0;
	if (c->exec_fd >= 0 && read(c->exec_fd, &e, sizeof(e)) == sizeof(e))
		c->exec_errno = e;
	return true;
}

void ks_child_end(struct ks_child *c)
{
	int i;

	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		for (i = 0; i < 200 && waitpid(c->pid, NULL, WNOHANG) == 0; i++)
			usleep(10000);
		if (i == 200) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		c->pid = 0;
	}
	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->exec_fd >= 0)
		close(c->exec_fd);
	c->go_fd = c->exec_fd = -1;
}

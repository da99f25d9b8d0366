/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Live reading of a session's per-CPU ring buffers (trace_pipe_raw, non-blocking):
 * each call takes the sub-buffers that are ready on every CPU and hands their events
 * over in time order, as records libtraceevent decodes. For commands that look at
 * events as they happen (stream, the streaming analyses) rather than store them.
 */
#ifndef KSCOPE_KERNEL_RAWPIPE_H
#define KSCOPE_KERNEL_RAWPIPE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include <event-parse.h>

#include "kscope/base/util.h"

struct ks_session;
struct ks_rawpipe;

int ks_rawpipe_open(struct ks_rawpipe **out, struct ks_session *s, int ncpus, struct ks_err *err);
void ks_rawpipe_free(struct ks_rawpipe *p);

/* Return 0 to go on, -errno to stop the batch (that value is returned). */
typedef int (*ks_rawpipe_cb)(void *arg, struct tep_record *rec);
/*
 * Read what is ready (at most 256 sub-buffers a CPU), then call @cb for each event in
 * time order; a sub-buffer's lost events are in the first record's missed_events.
 * Events newer than @cutoff (trace clock ns) wait for the next batch: with @cutoff the
 * trace clock's time before the call, an event on one CPU can no longer be handed
 * over after a later one of another CPU that was read first (a wakeup after the
 * switch-in it caused). UINT64_MAX hands over everything (and flushes what waited).
 * Returns the number of events handed over, or -errno.
 */
int ks_rawpipe_batch(struct ks_rawpipe *p, uint64_t cutoff, ks_rawpipe_cb cb, void *arg);

/*
 * The per-CPU files for poll(2) (POLLIN), into @fds[@max]: the kernel wakes a reader
 * when a buffer fills past its buffer_percent, before it can overflow. Returns how many.
 */
int ks_rawpipe_pollfds(const struct ks_rawpipe *p, struct pollfd *fds, int max);

/* Whether the last batch left sub-buffers unread (a CPU had more than one batch takes). */
bool ks_rawpipe_more(const struct ks_rawpipe *p);

/* A task that started after the comms were loaded: take its name from /proc. */
void ks_rawpipe_learn_comm(struct tep_handle *tep, const struct tep_record *rec);

#endif

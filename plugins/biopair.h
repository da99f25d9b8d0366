/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Block I/O requests followed from the block tracepoints, for biolatency, biosnoop and
 * biotop: a request is keyed by its disk and first sector, stamped when it is
 * submitted (block_io_start on 6.5+, block_rq_insert before), issued to the device
 * (block_rq_issue) and completed (block_rq_complete), and handed to the plugin
 * complete. No kprobe: the functions bcc probed were inlined or renamed across
 * kernels, the tracepoints were not.
 */
#ifndef KSCOPE_PLUGINS_BIOPAIR_H
#define KSCOPE_PLUGINS_BIOPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "kscope/analysis/analysis.h"

/* The request's kind, from the rwbs letters the kernel traces (blk_fill_rwbs). */
enum {
	BIO_OP_MASK = 0xf,		/* the operation: BIO_OP_* */
	BIO_SYNC = 1 << 4,
	BIO_META = 1 << 5,
	BIO_FUA = 1 << 6,
	BIO_RAHEAD = 1 << 7,
	BIO_PREFLUSH = 1 << 8,
};
enum { BIO_OP_READ, BIO_OP_WRITE, BIO_OP_FLUSH, BIO_OP_DISCARD, BIO_OP_SECURE_ERASE,
       BIO_OP_OTHER };

/* One request from its submission to its completion. */
struct bio_rq {
	uint64_t submit;		/* ns: when it was submitted (0: not seen) */
	uint64_t issue;			/* ns: when the device got it (0: not yet) */
	uint32_t bytes;
	unsigned int flags;		/* BIO_* */
	int pid;			/* who submitted it (the issuer when that was not seen) */
	char comm[16];
};

/* A completed request, as the plugin gets it. */
struct bio_done {
	const struct bio_rq *rq;
	uint32_t dev;			/* the kernel's dev_t: major << 20 | minor */
	uint64_t sector;
	uint64_t ts;			/* ns: completion */
	int error;
};

typedef void (*bio_done_fn)(struct ks_analysis *a, void *priv, const struct bio_done *d);

/* What biopair_setup follows besides issue and completion. */
enum {
	BIOPAIR_SUBMITTER = 1 << 0,	/* who submitted each request, where the kernel tells */
	BIOPAIR_QUEUE = 1 << 1,		/* when it was submitted: an error if the kernel cannot say */
};

struct bio_disk {
	uint32_t dev;
	char name[32];
};

/* The first member of the plugin's private state: the callbacks find it there. */
struct biopair {
	bio_done_fn done;
	bool one_dev;			/* -d DISK */
	uint32_t dev;
	struct ks_map *rqs;		/* (device index, sector) -> struct bio_rq */
	struct ks_map *devs;		/* dev_t -> its index + 1 */
	struct bio_disk *disks;		/* /proc/diskstats, live */
	int ndisks;
	struct ks_field sub_dev, sub_sector, sub_comm;
	struct ks_field iss_dev, iss_sector, iss_nr_sector, iss_bytes, iss_rwbs, iss_comm;
	struct ks_field done_dev, done_sector, done_error;
	bool iss_has_bytes;
};

/*
 * Read the block events for @b (the head of the plugin's state), with @what
 * (BIOPAIR_*) to also follow submissions, @disk ("vda" or "254:0", NULL: all) to read
 * one disk only. @done gets each request once it completes.
 */
int biopair_setup(struct biopair *b, struct ks_analysis *a, unsigned int what,
		  const char *disk, bio_done_fn done, struct ks_err *err);
void biopair_free(struct biopair *b);
/* The disk's name ("vda"; offline, or not a disk here: "254:0"). */
const char *biopair_disk(const struct biopair *b, uint32_t dev, char *buf, size_t size);
/* bcc biolatency -F's name of a request kind: "Sync-Write", "ReadAhead-Read" (no preflush). */
const char *biopair_flags_name(unsigned int flags, char *buf, size_t size);
/* The letter biosnoop and biotop print for a request's operation: R W F D E N. */
char biopair_kind(unsigned int flags);
/* The kind of request @rwbs says ("WS", "RA", "FWFS"): BIO_* flags. */
unsigned int biopair_parse_rwbs(const char *rwbs);

static inline unsigned int bio_major(uint32_t dev)
{
	return dev >> 20;
}

static inline unsigned int bio_minor(uint32_t dev)
{
	return dev & ((1u << 20) - 1);
}

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Block requests from submission to completion, for the bio* analyses (biopair.h).
 * The key is the disk and first sector, as the tracepoints give nothing else that
 * names a request; a partial completion moves the sector, so the rest of such a
 * request completes unmatched and is not counted (as bcc's tracepoint tools do).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "biopair.h"

/* Sectors up to 2^48 (128 PiB of 512-byte sectors), the device index above them. */
#define SECTOR_BITS 48

unsigned int biopair_parse_rwbs(const char *rwbs)
{
	const char *p = rwbs;
	unsigned int f = 0;

	/* A leading F before the operation is a preflush: "FWS", "FFF"... */
	if (p[0] == 'F' && p[1] && strchr("WRDNF", p[1])) {
		f |= BIO_PREFLUSH;
		p++;
	}
	switch (*p) {
	case 'R':
		f |= BIO_OP_READ;
		break;
	case 'W':
		f |= BIO_OP_WRITE;
		break;
	case 'F':
		f |= BIO_OP_FLUSH;
		break;
	case 'D':
		if (p[1] == 'E') {
			f |= BIO_OP_SECURE_ERASE;
			p++;
		} else {
			f |= BIO_OP_DISCARD;
		}
		break;
	default:
		f |= BIO_OP_OTHER;
		break;
	}
	for (p += *p != 0; *p; p++) {
		switch (*p) {
		case 'F':
			f |= BIO_FUA;
			break;
		case 'A':
			f |= BIO_RAHEAD;
			break;
		case 'S':
			f |= BIO_SYNC;
			break;
		case 'M':
			f |= BIO_META;
			break;
		}
	}
	return f;
}

char biopair_kind(unsigned int flags)
{
	static const char kinds[] = { [BIO_OP_READ] = 'R', [BIO_OP_WRITE] = 'W',
				      [BIO_OP_FLUSH] = 'F', [BIO_OP_DISCARD] = 'D',
				      [BIO_OP_SECURE_ERASE] = 'E', [BIO_OP_OTHER] = 'N' };
	unsigned int op = flags & BIO_OP_MASK;

	return op < sizeof(kinds) && kinds[op] ? kinds[op] : 'N';
}

const char *biopair_flags_name(unsigned int flags, char *buf, size_t size)
{
	static const char *const ops[] = {
		[BIO_OP_READ] = "Read", [BIO_OP_WRITE] = "Write", [BIO_OP_FLUSH] = "Flush",
		[BIO_OP_DISCARD] = "Discard", [BIO_OP_SECURE_ERASE] = "SecureErase",
		[BIO_OP_OTHER] = "Unknown",
	};
	unsigned int op = flags & BIO_OP_MASK;

	/* bcc's order: the innermost prefix is the first it tests. It has no preflush. */
	snprintf(buf, size, "%s%s%s%s%s", flags & BIO_RAHEAD ? "ReadAhead-" : "", flags & BIO_FUA ? "ForcedUnitAccess-" : "",
		 flags & BIO_META ? "Metadata-" : "", flags & BIO_SYNC ? "Sync-" : "",
		 op < KS_ARRAY_SIZE(ops) && ops[op] ? ops[op] : "Unknown");
	return buf;
}

/* "major minor name ..." lines: the disks (and partitions) this machine has. */
static int read_disks(struct biopair *b)
{
	char *text, *line, *save = NULL;
	unsigned int ma, mi;
	char name[32];
	int ret, n = 0;

	ret = ks_read_file("/proc/diskstats", &text, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		n++;
	free(text);
	ret = ks_read_file("/proc/diskstats", &text, NULL);
	if (ret)
		return ret;
	b->disks = calloc((size_t)n + 1, sizeof(*b->disks));
	if (!b->disks) {
		free(text);
		return -ENOMEM;
	}
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line && b->ndisks < n;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%u %u %31s", &ma, &mi, name) != 3)
			continue;
		b->disks[b->ndisks].dev = ma << 20 | mi;
		snprintf(b->disks[b->ndisks].name, sizeof(b->disks[b->ndisks].name), "%s", name);
		b->ndisks++;
	}
	free(text);
	return 0;
}

const char *biopair_disk(const struct biopair *b, uint32_t dev, char *buf, size_t size)
{
	int i;

	for (i = 0; i < b->ndisks; i++)
		if (b->disks[i].dev == dev)
			return b->disks[i].name;
	snprintf(buf, size, "%u:%u", bio_major(dev), bio_minor(dev));
	return buf;
}

/* Requests are traced against the whole disk: a partition's number matches none. */
static int not_partition(const struct bio_disk *d, struct ks_err *err)
{
	char path[96], target[512], *slash;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", bio_major(d->dev),
		 bio_minor(d->dev));
	if (access(path, F_OK))
		return 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", bio_major(d->dev),
		 bio_minor(d->dev));
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	slash = strrchr(target, '/');
	if (slash)
		*slash = 0;
	slash = strrchr(target, '/');
	return ks_err_set(err, -EINVAL, "%s is a partition: block requests are traced per disk "
			  "(give %s)", d->name, slash ? slash + 1 : "its disk");
}

/*
 * -d DISK: a name from /proc/diskstats, or "254:0" (or "254,0"), which offline may be
 * a disk of the recording's machine and need not be one of this machine's.
 */
static int parse_disk(struct biopair *b, struct ks_analysis *a, const char *disk,
		      struct ks_err *err)
{
	unsigned int ma, mi;
	char sep, end;
	int i;

	b->dev = UINT32_MAX;
	if (sscanf(disk, "%u%c%u%c", &ma, &sep, &mi, &end) == 3 && (sep == ':' || sep == ',') &&
	    ma < 4096 && mi < (1u << 20))
		b->dev = ma << 20 | mi;
	for (i = 0; i < b->ndisks; i++)
		if (b->disks[i].dev == b->dev || !strcmp(b->disks[i].name, disk))
			break;
	if (i < b->ndisks) {
		b->dev = b->disks[i].dev;
		return ks_analysis_offline(a) ? 0 : not_partition(&b->disks[i], err);
	}
	if (b->dev != UINT32_MAX && ks_analysis_offline(a))
		return 0;
	return ks_err_set(err, -EINVAL, "no disk '%s' in /proc/diskstats (give its name, or "
			  "MAJ:MIN as lsblk shows it)", disk);
}

/* The map key of (@dev, @sector); false past 65535 disks, which no machine has. */
static bool rq_key(struct biopair *b, uint32_t dev, uint64_t sector, uint64_t *key)
{
	bool added;
	uint32_t *index = ks_map_get(b->devs, dev, &added);

	if (!index)
		return false;
	if (added)
		*index = (uint32_t)ks_map_count(b->devs);
	*key = (uint64_t)*index << SECTOR_BITS | (sector & ((1ull << SECTOR_BITS) - 1));
	return true;
}

static void copy_comm(char *dst, const char *src)
{
	snprintf(dst, 16, "%s", src);
}

static struct bio_rq *rq_get(struct biopair *b, const struct ks_field *dev_f,
			     const struct ks_field *sector_f, const struct ks_event *e,
			     bool *added)
{
	uint32_t dev = (uint32_t)ks_field_u64(dev_f, e);
	uint64_t key;

	if (b->one_dev && dev != b->dev)
		return NULL;
	if (!rq_key(b, dev, ks_field_u64(sector_f, e), &key))
		return NULL;
	return ks_map_get(b->rqs, key, added);
}

static void on_submit(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct biopair *b = priv;
	struct bio_rq *rq = rq_get(b, &b->sub_dev, &b->sub_sector, e, NULL);

	if (!rq)
		return;
	memset(rq, 0, sizeof(*rq));
	rq->submit = e->ts;
	rq->pid = e->pid;
	copy_comm(rq->comm, ks_field_str(&b->sub_comm, e));
}

static void on_issue(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct biopair *b = priv;
	bool added = false;
	struct bio_rq *rq = rq_get(b, &b->iss_dev, &b->iss_sector, e, &added);

	if (!rq)
		return;
	/* Not seen submitted (direct issue, or before tracing began): the issuer it is. */
	if (added) {
		rq->pid = e->pid;
		copy_comm(rq->comm, ks_field_str(&b->iss_comm, e));
	}
	rq->issue = e->ts;
	rq->bytes = b->iss_has_bytes ? (uint32_t)ks_field_u64(&b->iss_bytes, e) :
		    (uint32_t)ks_field_u64(&b->iss_nr_sector, e) << 9;
	rq->flags = biopair_parse_rwbs(ks_field_str(&b->iss_rwbs, e));
}

static void on_complete(struct ks_analysis *a, void *priv, const struct ks_event *e)
{
	struct biopair *b = priv;
	uint32_t dev = (uint32_t)ks_field_u64(&b->done_dev, e);
	uint64_t sector = ks_field_u64(&b->done_sector, e), key;
	struct bio_rq *rq;

	if ((b->one_dev && dev != b->dev) || !rq_key(b, dev, sector, &key))
		return;
	rq = ks_map_find(b->rqs, key);
	if (!rq)
		return;		/* issued before tracing began */
	if (rq->issue) {
		struct bio_done d = {
			.rq = rq, .dev = dev, .sector = sector, .ts = e->ts,
			.error = (int)ks_field_s64(&b->done_error, e),
		};

		b->done(a, priv, &d);
	}
	ks_map_delete(b->rqs, key);
}

int biopair_setup(struct biopair *b, struct ks_analysis *a, unsigned int what,
		  const char *disk, bio_done_fn done, struct ks_err *err)
{
	struct ks_evtype *sub = NULL, *iss, *cpl;
	char filter[32] = "";
	int ret;

	b->done = done;
	b->devs = ks_map_new(sizeof(uint32_t), (1 << 16) - 1);
	if (!b->devs)
		return ks_err_set(err, -ENOMEM, "out of memory");
	if (read_disks(b))
		b->ndisks = 0;
	if (disk) {
		ret = parse_disk(b, a, disk, err);
		if (ret)
			return ret;
		b->one_dev = true;
		snprintf(filter, sizeof(filter), "dev == %u", b->dev);
	}
	/* Offline, this machine's names may not be the recording's: MAJ:MIN tells no lie. */
	if (ks_analysis_offline(a)) {
		free(b->disks);
		b->disks = NULL;
		b->ndisks = 0;
	}
	b->rqs = ks_analysis_map(a, sizeof(struct bio_rq));
	if (!b->rqs)
		return ks_err_set(err, -ENOMEM, "out of memory");
	if (what) {
		/* block_io_start (6.5+) is where bcc takes the submitter; before it, insert. */
		ret = ks_analysis_event_optional(a, "block:block_io_start", disk ? filter : NULL,
						 on_submit, &sub, err);
		if (!ret && !sub)
			ret = ks_analysis_event_optional(a, "block:block_rq_insert",
							 disk ? filter : NULL, on_submit, &sub, err);
		/* Queue time needs one: asked for as required, its absence is said. */
		if (!ret && !sub && (what & BIOPAIR_QUEUE))
			ret = ks_analysis_event(a, "block:block_io_start", disk ? filter : NULL,
						on_submit, &sub, err);
		if (ret)
			return ret;
		if (sub)
			ret = ks_analysis_field(a, sub, "dev", &b->sub_dev, err) ?:
			      ks_analysis_field(a, sub, "sector", &b->sub_sector, err) ?:
			      ks_analysis_field(a, sub, "comm", &b->sub_comm, err);
		if (ret)
			return ret;
	}
	ret = ks_analysis_event(a, "block:block_rq_issue", disk ? filter : NULL, on_issue, &iss,
				err) ?:
	      ks_analysis_field(a, iss, "dev", &b->iss_dev, err) ?:
	      ks_analysis_field(a, iss, "sector", &b->iss_sector, err) ?:
	      ks_analysis_field(a, iss, "nr_sector", &b->iss_nr_sector, err) ?:
	      ks_analysis_field(a, iss, "rwbs", &b->iss_rwbs, err) ?:
	      ks_analysis_field(a, iss, "comm", &b->iss_comm, err) ?:
	      ks_analysis_event(a, "block:block_rq_complete", disk ? filter : NULL, on_complete,
				&cpl, err) ?:
	      ks_analysis_field(a, cpl, "dev", &b->done_dev, err) ?:
	      ks_analysis_field(a, cpl, "sector", &b->done_sector, err) ?:
	      ks_analysis_field(a, cpl, "error", &b->done_error, err);
	if (ret)
		return ret;
	/* "bytes" came in 3.x; before it the size is in sectors. */
	b->iss_has_bytes = ks_analysis_has_field(a, iss, "bytes");
	if (b->iss_has_bytes)
		ret = ks_analysis_field(a, iss, "bytes", &b->iss_bytes, err);
	return ret;
}

void biopair_free(struct biopair *b)
{
	free(b->disks);
	b->disks = NULL;
	ks_map_free(b->devs);
	b->devs = NULL;
}

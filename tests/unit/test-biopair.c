// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests: the block request kinds of the bio* analyses, from the kernel's rwbs letters. */
#include <string.h>

#include "../../plugins/biopair.h"
#include "tap.h"

static const char *name_of(const char *rwbs)
{
	static char buf[96];

	return biopair_flags_name(biopair_parse_rwbs(rwbs) & ~BIO_PREFLUSH, buf, sizeof(buf));
}

int main(void)
{
	unsigned int f;

	is_str(name_of("R"), "Read", "a read");
	is_str(name_of("RS"), "Sync-Read", "a sync read (O_DIRECT)");
	is_str(name_of("RA"), "ReadAhead-Read", "readahead");
	is_str(name_of("RM"), "Metadata-Read", "metadata");
	is_str(name_of("WS"), "Sync-Write", "a sync write");
	is_str(name_of("WSM"), "Metadata-Sync-Write", "journal metadata");
	is_str(name_of("WFS"), "ForcedUnitAccess-Sync-Write", "FUA after the operation");
	is_str(name_of("FWS"), "Sync-Write", "a leading F is a preflush, which bcc does not name");
	is_str(name_of("FF"), "Flush", "the flush the flush machinery sends (preflush set)");
	is_str(name_of("F"), "Flush", "a bare flush");
	is_str(name_of("FS"), "Sync-Flush", "a flush, then sync");
	is_str(name_of("D"), "Discard", "discard");
	is_str(name_of("DE"), "SecureErase", "secure erase");
	is_str(name_of("N"), "Unknown", "no data (a passthrough)");
	is_str(name_of(""), "Unknown", "nothing at all");
	f = biopair_parse_rwbs("FWFSM");
	ok((f & BIO_OP_MASK) == BIO_OP_WRITE && (f & BIO_PREFLUSH) && (f & BIO_FUA) &&
	   (f & BIO_SYNC) && (f & BIO_META) && !(f & BIO_RAHEAD), "every letter of FWFSM");
	ok(bio_major(254u << 20 | 3) == 254 && bio_minor(254u << 20 | 3) == 3,
	   "the kernel's dev_t: major above 20 bits of minor");
	return tap_done();
}

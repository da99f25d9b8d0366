/* SPDX-License-Identifier: GPL-2.0-only */
/* kscope's version: printed by --version, written into every file kscope makes. */
#ifndef KSCOPE_BASE_VERSION_H
#define KSCOPE_BASE_VERSION_H

#define KSCOPE_VERSION "0.1.0"

#endif

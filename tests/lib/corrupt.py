#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""corrupt.py IN OUT SEED: overwrite 200 random bytes (half of them in the last 64 KiB)."""
import random
import sys

data = bytearray(open(sys.argv[1], "rb").read())
rnd = random.Random(int(sys.argv[3]))
for _ in range(200):
    if rnd.random() < 0.5:
        i = rnd.randrange(len(data))
    else:
        i = len(data) - 1 - rnd.randrange(min(len(data), 65536))
    data[i] = rnd.randrange(256)
open(sys.argv[2], "wb").write(data)

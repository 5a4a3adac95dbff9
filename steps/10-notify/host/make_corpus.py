#!/usr/bin/env python3
"""Writes fuzz_cnode's seed corpus (host/corpus/): small programs in its input language.

An operation is a byte k, then its fields (fuzz_cnode.c, LLVMFuzzerTestOneInput):
  k % 4 == 0  lookup:  slot, cptr word, depth byte (% 65)
  k % 4 == 1  CNode:   slot, label byte (16 + b % 11), length, n, n words, extra (0/1), slot
  k % 4 == 2  Untyped: slot, label byte (0: Retype), length, n, n words, extra, slot
  k % 4 == 3  direct:  slot, byte (odd: cte_revoke, even: cte_delete)
A word below 0xf0 is itself (0xf0 is 64); a slot byte below 0x80 is a root slot. Root slots:
2 the root CNode (cptr = slot at depth 64), 3 the RAM untyped, 4 the device untyped, 5 the
root CNode without its guard (6-bit cptrs). Run: python3 host/make_corpus.py
"""
import os

D64 = 0xF0
COPY, MINT, MOVE, DELETE, REVOKE = 4, 5, 6, 2, 1   # label bytes: 16 + b % 11
EP, TCB, CNODE, PAGE, UT = 2, 1, 4, 7, 0


def retype(ut, typ, bits, offset, count, node=2, index=0, depth=0):
    return [2, ut, 0, 6, 6, typ, bits, index, depth, offset, count, 1, node]


def cnode(label, dst, src=0, rights=15, data=0, length=6):
    return [1, 2, label, length, 6, dst, D64, src, D64, rights, data, 1, 2]


SEEDS = {
    "retype-endpoints": retype(3, EP, 0, 20, 3) + retype(3, TCB, 0, 23, 1),
    "retype-device-frame": retype(4, PAGE, 0, 20, 2) + retype(4, TCB, 0, 22, 1),
    "badge-tree-revoke": retype(3, EP, 0, 20, 1) + cnode(MINT, 21, 20, 15, 5) +
                         cnode(COPY, 22, 21) + cnode(REVOKE, 21) + cnode(REVOKE, 20),
    "cnode-nested-delete": retype(3, CNODE, 2, 20, 1) + retype(3, CNODE, 2, 0, 1, node=20) +
                           retype(3, TCB, 0, 1, 1, node=20) + cnode(MOVE, 21, 20) + cnode(DELETE, 21),
    "lookup-two-levels": retype(3, CNODE, 2, 20, 1) + [0, 5, 20 << 2 | 1, 8, 0, 2, 20, 64],
    "revoke-untyped": retype(3, UT, 12, 20, 1) + retype(20, PAGE, 0, 21, 1) + [3, 3, 1] +
                      retype(3, PAGE, 0, 22, 1),
    # Regression input: an untyped and its copy must not both hand out offset 0 (the core's
    # cte_insert must mark the copied untyped full, as seL4's setUntypedCapAsFull does).
    "regress-copy-untyped": cnode(COPY, 30, 3) + retype(30, PAGE, 0, 40, 1) + retype(3, PAGE, 0, 41, 1),
}

if __name__ == "__main__":
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(d, exist_ok=True)
    for name, ops in SEEDS.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(bytes(ops))

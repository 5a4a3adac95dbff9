#!/usr/bin/env python3
"""Check that a graphviz drawing of thread states names exactly the states of a C enum.

    06-threads-states-check.py TCB_H DOT

The enum is `enum thread_state { THREAD_X = n, ... }` in TCB_H; the drawing's nodes are
declared one per line as `THREAD_X [label=...]`. Exit 1, naming the difference, if a state
has no node or a node is no state: the figure must change when the enum does.
"""
import re
import sys


def enum_states(path):
    text = open(path).read()
    body = re.search(r"enum thread_state\s*\{(.*?)\};", text, re.S)
    if not body:
        sys.exit(f"{path}: no enum thread_state")
    code = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    return {m.group(1) for m in re.finditer(r"\b(THREAD_[A-Z_]+)\s*(?:=|,|$)", code, re.M)}


def dot_nodes(path):
    text = re.sub(r"//[^\n]*", "", open(path).read())
    return set(re.findall(r"^\s*(THREAD_[A-Z_]+)\s*\[", text, re.M))


def main():
    tcb_h, dot = sys.argv[1:3]
    states, nodes = enum_states(tcb_h), dot_nodes(dot)
    if not states:
        sys.exit(f"{tcb_h}: enum thread_state has no THREAD_ values")
    if states != nodes:
        missing = ", ".join(sorted(states - nodes)) or "none"
        extra = ", ".join(sorted(nodes - states)) or "none"
        sys.exit(f"{dot} does not match enum thread_state in {tcb_h}: states without a node: "
                 f"{missing}; nodes that are no state: {extra}")


if __name__ == "__main__":
    main()

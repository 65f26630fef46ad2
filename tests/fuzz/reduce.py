#!/usr/bin/env python3
"""Shrink a ktap script while a test still says it is interesting.

usage: reduce.py SCRIPT.kp 'TEST COMMAND' [OUT.kp]
The command gets the candidate's path as $1 (run with sh -c CMD sh FILE) and
exits 0 when the candidate still shows the failure (e.g. it compiles and the
verifier still refuses it with the same message). Tries, until nothing
changes: removing whole blocks (a line opening a block up to its close), then
single lines, then replacing parenthesized subexpressions with simpler ones.
"""
import os
import re
import subprocess
import sys
import tempfile

OPEN = re.compile(r"(\{\s*$|^\s*repeat\s*$|^\s*do\s*$)")
CLOSE = re.compile(r"^\s*(\}|end\s*$|until\b)")


BEST = None  # where the smallest interesting candidate so far is kept


def interesting(cmd, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".kp", delete=False) as f:
        f.write("".join(lines))
        path = f.name
    try:
        ok = subprocess.run(["sh", "-c", cmd, "sh", path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=300).returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    os.unlink(path)
    if ok and BEST:
        with open(BEST, "w") as f:
            f.write("".join(lines))
    return ok


def block_end(lines, i):
    """The index of the line closing the block opened at line i (elseif/else chains included)."""
    depth = 0
    for j in range(i, len(lines)):
        s = lines[j]
        if CLOSE.match(s) and j > i:
            depth -= 1
            if depth == 0 and not re.match(r"^\s*\}\s*(elseif|else)\b", s):
                return j
        if OPEN.search(s):
            depth += 1
    return None


def pass_lines(cmd, lines):
    changed = False
    i = 0
    while i < len(lines):
        end = block_end(lines, i) if OPEN.search(lines[i]) else i
        if end is not None and not CLOSE.match(lines[i]):
            cand = lines[:i] + lines[end + 1:]
            if interesting(cmd, cand):
                lines[:] = cand
                changed = True
                continue
            if end != i:  # keep the block but try its body unwrapped
                cand = lines[:i] + lines[i + 1:end] + lines[end + 1:]
                if interesting(cmd, cand):
                    lines[:] = cand
                    changed = True
                    continue
        i += 1
    return changed


def paren_spans(s):
    stack, spans = [], []
    for i, ch in enumerate(s):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            spans.append((stack.pop(), i))
    return sorted(spans, key=lambda p: p[0] - p[1])  # outermost first


def pass_exprs(cmd, lines):
    changed = False
    for n in range(len(lines)):
        for repl in ("1", '"a"', "true"):
            progress = True
            while progress:
                progress = False
                for a, b in paren_spans(lines[n]):
                    s = lines[n]
                    if a > 0 and (s[a - 1].isalnum() or s[a - 1] == "_"):
                        continue  # a call's or a statement's own parentheses
                    if s[a + 1:b] == repl:
                        continue
                    cand = list(lines)
                    cand[n] = s[:a] + repl + s[b + 1:]
                    if interesting(cmd, cand):
                        lines[:] = cand
                        changed = progress = True
                        break
    return changed


def main():
    src, cmd = sys.argv[1], sys.argv[2]
    global BEST
    out = BEST = sys.argv[3] if len(sys.argv) > 3 else src + ".min"
    lines = open(src).readlines()
    if not interesting(cmd, lines):
        sys.exit("reduce: the original is not interesting")
    while pass_lines(cmd, lines) | pass_exprs(cmd, lines):
        pass
    with open(out, "w") as f:
        f.write("".join(lines))
    print("reduce: %d lines in %s" % (len(lines), out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check and language server response times on every example: the median
wall-clock time of `ktapc -fsyntax-only EXAMPLE` (a process per check, as a
plain editor plugin would run it), and, from one `ktapc --lsp` holding the
example open, of a didChange until its diagnostics arrive (a keystroke),
a completion at the end of the script, and a hover on its first word.
Events come from the machine's tracefs: run as root (docs/performance.md).
Usage: tests/bench/lsp.py [RUNS]   (default 21)"""
import glob
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lsp"))
from client import Client

BUILD = os.environ.get("BUILD", "build")
KTAPC = os.path.join(ROOT, "" if BUILD == "build" else BUILD, "ktapc")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 21


def median_us(fn):
    t = []
    for _ in range(RUNS):
        s = time.perf_counter_ns()
        fn()
        t.append((time.perf_counter_ns() - s) // 1000)
    return int(statistics.median(t))


def main():
    c = Client([KTAPC, "--lsp"])
    c.request("initialize", {"capabilities": {}})
    c.notify("initialized", {})
    print("%-28s %10s %10s %10s %10s" % ("script (median us)", "check", "keystroke", "completion", "hover"))
    for kp in sorted(glob.glob(os.path.join(ROOT, "examples", "*.kp"))):
        text = open(kp).read()
        uri = "file://" + kp
        lines = text.split("\n")
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ktap", "version": 1,
                                                           "text": text}})
        c.notification("textDocument/publishDiagnostics")
        check = median_us(lambda: subprocess.run([KTAPC, "-fsyntax-only", kp], capture_output=True))

        def keystroke():
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                "contentChanges": [{"text": text}]})
            c.notification("textDocument/publishDiagnostics")
        end = {"line": len(lines) - 1, "character": 0}
        first = next(i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith("#"))
        word = {"line": first, "character": len(lines[first]) - len(lines[first].lstrip())}
        pos = lambda p: {"textDocument": {"uri": uri}, "position": p}
        print("%-28s %10d %10d %10d %10d" % (
            os.path.basename(kp), check, median_us(keystroke),
            median_us(lambda: c.request("textDocument/completion", pos(end))),
            median_us(lambda: c.request("textDocument/hover", pos(word)))))
        c.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        c.notification("textDocument/publishDiagnostics")
    c.request("shutdown")
    c.notify("exit")
    c.finish()


if __name__ == "__main__":
    main()

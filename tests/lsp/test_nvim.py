#!/usr/bin/env python3
"""One real editor: Neovim headless, its built-in LSP client attached to
`ktapc --lsp` on a file with an error (tests/lsp/nvim.lua); the diagnostics
it received are read back. Skipped, saying so, only when nvim is missing."""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
KTAPC = os.path.join(ROOT, "" if BUILD == "build" else BUILD, "ktapc")


def main():
    if not shutil.which("nvim"):
        print("SKIP: lsp: neovim: nvim is not installed (apt-get install neovim)")
        return 0
    with tempfile.TemporaryDirectory() as work:
        script = os.path.join(work, "broken.kp")
        out = os.path.join(work, "diagnostics")
        with open(script, "w") as f:
            f.write("var n = 1\ntrace syscalls:sys_enter_read {\n\tn = n + cnt\n}\n")
        env = dict(os.environ, KTAPC=KTAPC, KTAP_NVIM_FILE=script, KTAP_NVIM_OUT=out,
                   KTAP_TRACEFS=os.path.join(ROOT, "tests", "lit", "Inputs", "tracefs"),
                   HOME=work, XDG_STATE_HOME=work, XDG_DATA_HOME=work, XDG_CONFIG_HOME=work)
        r = subprocess.run(["nvim", "--headless", "-u", "NONE", "-i", "NONE", script, "-c",
                            "luafile " + os.path.join(ROOT, "tests", "lsp", "nvim.lua")],
                           env=env, cwd=work, capture_output=True, text=True, timeout=60)
        got = open(out).read() if os.path.exists(out) else "(no output; nvim exited %d: %s)" % (
            r.returncode, r.stderr.strip())
    want = "2:9-2:12 1 use of undeclared name 'cnt' (declare it with 'var cnt')\n"
    if got == want:
        print("PASS: lsp: neovim")
        return 0
    print("FAIL: lsp: neovim: got %r, want %r" % (got, want))
    return 1


if __name__ == "__main__":
    sys.exit(main())

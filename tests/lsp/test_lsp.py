#!/usr/bin/env python3
"""Drives `ktapc --lsp` as an editor does and checks every answer exactly.
One case per function t_NAME, each with its own server; one line per case:
PASS: lsp: NAME or FAIL: lsp: NAME: why. Reads the fake tracefs of the lit
tests (never the machine's), so it runs unprivileged."""
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from client import Client

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
KTAPC = os.path.join(ROOT, "" if BUILD == "build" else BUILD, "ktapc")
TRACEFS = os.path.join(ROOT, "tests", "lit", "Inputs", "tracefs")
URI = "file:///work/script.kp"

# The script of the editing session: line 3 (0-based) has the error.
BROKEN = ("var counts = {}\n"
          "function bump(k) { counts[k] += 1 }\n"
          "trace syscalls:sys_enter_read {\n"
          "\tprnt(args.fd)\n"
          "}\n")
FIXED = BROKEN.replace("prnt", "print")


class Fail(Exception):
    pass


def expect(what, got, want):
    got, want = json.loads(json.dumps(got)), json.loads(json.dumps(want))
    if got != want:
        raise Fail("%s: got %s, want %s" % (what, json.dumps(got), json.dumps(want)))


def server(tracefs=TRACEFS, args=()):
    env = dict(os.environ, KTAP_TRACEFS=tracefs)
    return Client([KTAPC, "--lsp", *args], env=env)


def pos(line, ch):
    return {"line": line, "character": ch}


def rng(l1, c1, l2, c2):
    return {"start": pos(l1, c1), "end": pos(l2, c2)}


def started(tracefs=TRACEFS, args=()):
    c = server(tracefs, args)
    c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    c.notify("initialized", {})
    return c


def open_doc(c, text, uri=URI):
    c.notify("textDocument/didOpen",
             {"textDocument": {"uri": uri, "languageId": "ktap", "version": 1, "text": text}})
    return c.notification("textDocument/publishDiagnostics")["params"]


def at(c, method, line, ch, uri=URI):
    return c.request(method, {"textDocument": {"uri": uri}, "position": pos(line, ch)})


def stop(c, want_rc=0):
    expect("shutdown", c.request("shutdown"), {"jsonrpc": "2.0", "id": c.next_id, "result": None})
    c.notify("exit")
    expect("exit status", c.finish(), want_rc)


def prnt_diagnostic():
    return {"range": rng(3, 1, 3, 5), "severity": 1, "source": "ktapc", "code": "undeclared-name",
            "message": "use of undeclared name 'prnt'; did you mean 'print'?"}


def t_session():
    """initialize, didOpen with an error, code action, didChange fixing it,
    completion, hover, definition, shutdown."""
    c = server()
    init = c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    expect("initialize", init["result"], {
        "capabilities": {
            "textDocumentSync": {"openClose": True, "change": 1},
            "completionProvider": {"triggerCharacters": [".", ":", "\""]},
            "hoverProvider": True, "definitionProvider": True, "codeActionProvider": True},
        "serverInfo": {"name": "ktapc"}})
    c.notify("initialized", {})
    diag = prnt_diagnostic()
    expect("diagnostics on open", open_doc(c, BROKEN), {"uri": URI, "diagnostics": [diag]})

    actions = c.request("textDocument/codeAction", {
        "textDocument": {"uri": URI}, "range": rng(3, 2, 3, 2),
        "context": {"diagnostics": [diag]}})["result"]
    fix = [{"title": "Replace with 'print'", "kind": "quickfix", "diagnostics": [diag],
            "isPreferred": True, "edit": {"changes": {URI: [
                {"range": rng(3, 1, 3, 5), "newText": "print"}]}}}]
    expect("code actions", actions, fix)

    c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                        "contentChanges": [{"text": FIXED}]})
    expect("diagnostics on change", c.notification("textDocument/publishDiagnostics")["params"],
           {"uri": URI, "diagnostics": []})

    # args. in the handler of syscalls:sys_enter_read: its fields in order
    fields = at(c, "textDocument/completion", 3, 13)["result"]
    expect("args. completion", [(i["label"], i["kind"], i["detail"], i["documentation"]) for i in fields], [
        ["__syscall_nr", 5, "number (s32)", "int"], ["fd", 5, "number (u32)", "unsigned int"],
        ["buf", 5, "number (u64)", "char *"], ["count", 5, "number (u64)", "size_t"]])

    hover = at(c, "textDocument/hover", 3, 1)["result"]
    expect("hover print", hover, {
        "contents": {"kind": "markdown", "value":
                     "```ktap\nprint(v, ...)\n```\nPrints the values separated by a TAB, then a newline."},
        "range": rng(3, 1, 3, 6)})
    hover = at(c, "textDocument/hover", 3, 13)["result"]
    expect("hover args.fd", hover, {
        "contents": {"kind": "markdown", "value":
                     "```ktap\nargs.fd: number (u32)\n```\nC type: `unsigned int`"},
        "range": rng(3, 12, 3, 14)})
    hover = at(c, "textDocument/hover", 1, 20)["result"]
    expect("hover counts", hover, {
        "contents": {"kind": "markdown", "value": "```ktap\nvar counts: table\n```"},
        "range": rng(1, 19, 1, 25)})

    # counts[k] in bump: declared on line 0; k: bump's parameter
    expect("definition of counts", at(c, "textDocument/definition", 1, 21)["result"],
           {"uri": URI, "range": rng(0, 4, 0, 10)})
    expect("definition of k", at(c, "textDocument/definition", 1, 26)["result"],
           {"uri": URI, "range": rng(1, 14, 1, 15)})
    expect("definition of print", at(c, "textDocument/definition", 3, 2)["result"], None)
    stop(c)


def labels(items):
    return [(i["label"], i["kind"]) for i in items]


def t_completion_names():
    """Everywhere else: keywords, built-ins, modules and the script's names."""
    c = started()
    open_doc(c, FIXED + "\n")
    items = at(c, "textDocument/completion", 5, 0)["result"]
    expect("keywords first", labels(items[:4]), [["trace", 14], ["trace_end", 14], ["tick", 14], ["profile", 14]])
    printf = [i for i in items if i["label"] == "printf"]
    expect("printf", printf, [{"label": "printf", "kind": 3, "detail": "printf(fmt, ...)", "documentation":
                               "Prints the values formatted by fmt (%d %i %u %x %X %o %c %s %p %%); "
                               "the format must match its arguments."}])
    expect("pid", [i for i in items if i["label"] == "pid"], [
        {"label": "pid", "kind": 6, "detail": "pid", "documentation": "The process id (tgid) of the current task."}])
    expect("modules", [i for i in labels(items) if i[1] == 9],
           [["ansi", 9], ["ffi", 9], ["kdebug", 9], ["table", 9], ["timer", 9]])
    expect("the script's names", items[-3:], [
        {"label": "counts", "kind": 6, "detail": "table"},
        {"label": "bump", "kind": 3, "detail": "function"},
        {"label": "k", "kind": 6, "detail": "number"}])
    stop(c)


def t_completion_module():
    c = started()
    open_doc(c, "timer.t")
    items = at(c, "textDocument/completion", 0, 7)["result"]
    expect("timer.", [(i["label"], i["detail"]) for i in items],
           [["tick", "timer.tick(interval, function)"], ["profile", "timer.profile(interval, function)"]])
    stop(c)


def t_completion_events():
    """After `trace`: the events a script can trace (not ftrace's own
    records, as `ktap -l`) that start with the spec typed so far, replacing
    it; an incomplete list (asked again as it grows)."""
    c = started()
    open_doc(c, "trace \ntrace syscalls:sys_enter_r")
    result = at(c, "textDocument/completion", 0, 6)
    expect("every event", [result["result"]["isIncomplete"]] + [i["label"] for i in result["result"]["items"]], [
        True, "raw_syscalls:sys_enter", "sched:sched_process_exec", "sched:sched_switch",
        "sched:sched_wakeup", "sock:inet_sock_set_state", "syscalls:sys_enter_openat",
        "syscalls:sys_enter_read", "syscalls:sys_enter_write", "syscalls:sys_exit_read",
        "syscalls:sys_exit_write"])
    result = at(c, "textDocument/completion", 1, 26)["result"]
    expect("events typed", result, {"isIncomplete": True, "items": [
        {"label": "syscalls:sys_enter_read", "kind": 23, "textEdit": {
            "range": rng(1, 6, 1, 26), "newText": "syscalls:sys_enter_read"}}]})
    open_doc(c, 'kdebug.tracepoint("sched:sched_s', "file:///work/k.kp")
    items = at(c, "textDocument/completion", 0, 32, "file:///work/k.kp")["result"]["items"]
    expect("kdebug.tracepoint", items, [{"label": "sched:sched_switch", "kind": 23, "textEdit": {
        "range": rng(0, 19, 0, 32), "newText": "sched:sched_switch"}}])
    stop(c)


def t_no_tracefs():
    """Unprivileged (tracefs unreadable): no event names, a message to the
    client, and everything else still answered."""
    with tempfile.TemporaryDirectory() as empty:
        c = started(empty)
        open_doc(c, "trace ")
        expect("event names", at(c, "textDocument/completion", 0, 6)["result"],
               {"isIncomplete": True, "items": []})
        log = c.notification("window/logMessage")["params"]
        expect("log", log, {"type": 2, "message": "ktapc: no event names to complete: KTAP_TRACEFS=%s "
                            "has no events directory" % empty})
        expect("hover", at(c, "textDocument/hover", 0, 1)["result"], None)
        stop(c)


def t_events_snapshot():
    """With --events FILE (a snapshot made by ktapc --save-events), events
    come from it, not from tracefs (here an empty directory): what an
    unprivileged editor uses."""
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "events")
        subprocess.run([KTAPC, "--save-events", snap], env=dict(os.environ, KTAP_TRACEFS=TRACEFS),
                       check=True, capture_output=True)
        c = started(d, ["--events", snap])
        open_doc(c, "trace sched:sched_s")
        result = at(c, "textDocument/completion", 0, 19)["result"]
        expect("events", [i["label"] for i in result["items"]], ["sched:sched_switch"])
        stop(c)


def t_utf16_positions():
    """A diagnostic after non-ASCII text: columns in UTF-16 code units
    (é is one unit and two bytes, 😀 two units and four bytes): `nope`
    starts at byte 15, character 13."""
    c = started()
    diags = open_doc(c, 'print("é😀", nope)\n')["diagnostics"]
    expect("range", [d["range"] for d in diags], [rng(0, 13, 0, 17)])
    # hover at the UTF-16 position of `nope` reaches the right bytes
    c.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                        "contentChanges": [{"text": 'print("é😀", pid)\n'}]})
    c.notification("textDocument/publishDiagnostics")
    hover = at(c, "textDocument/hover", 0, 14)["result"]
    expect("hover range", hover["range"], rng(0, 13, 0, 16))
    stop(c)


def error(c, code):
    msg = c.read()
    expect("error", (msg.get("id"), msg.get("error", {}).get("code")), [None, code])


def frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def t_malformed_input():
    """Bad frames and bad JSON get JSON-RPC errors; the server goes on."""
    c = server()
    c.send_raw(frame(b"{not json"))
    error(c, -32700)
    c.send_raw(frame(b"[1, 2]"))
    error(c, -32600)
    c.send_raw(frame(b'{"jsonrpc": "2.0", "id": {}, "method": "initialize"}'))
    error(c, -32600)
    c.send_raw(b"X-Nothing: 1\r\n\r\n")
    error(c, -32700)
    c.send_raw(b"Content-Length: 99999999999\r\n\r\n")
    error(c, -32700)
    c.send_raw(frame(b"\xff\xfe\x00garbage"))
    error(c, -32700)
    expect("before initialize", c.request("hover", {})["error"]["code"], -32002)
    c.request("initialize", {"capabilities": {}})
    expect("unknown method", c.request("textDocument/frobnicate", {})["error"]["code"], -32601)
    expect("no params", c.request("textDocument/hover")["error"]["code"], -32602)
    expect("bad position", at(c, "textDocument/hover", -1, "x")["error"]["code"], -32602)
    expect("unknown document", at(c, "textDocument/hover", 0, 0)["error"]["code"], -32602)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
    c.notify("textDocument/didChange", {"textDocument": {"uri": URI}, "contentChanges": [{}]})
    open_doc(c, "print(1)\n")
    expect("past the end", at(c, "textDocument/hover", 40, 0)["error"]["code"], -32602)
    expect("past the line", at(c, "textDocument/hover", 0, 400)["result"], None)
    stop(c)


def t_mutated_messages():
    """Fuzz-ish: 400 messages of a session with bytes flipped, dropped or
    cut (seeded, so every run sends the same), each framed with its true
    length; the server answers a request after them and exits as asked."""
    rnd = random.Random(11)
    script = FIXED + "function f(a, b) { return a .. b }\nprint(f(\"é\", \"x\"))\n"
    base = [
        {"id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"method": "textDocument/didOpen", "params": {"textDocument": {"uri": URI, "text": script}}},
        {"method": "textDocument/didChange", "params": {"textDocument": {"uri": URI},
                                                        "contentChanges": [{"text": script}]}},
        {"id": 2, "method": "textDocument/completion", "params": {"textDocument": {"uri": URI},
                                                                 "position": pos(3, 12)}},
        {"id": 3, "method": "textDocument/hover", "params": {"textDocument": {"uri": URI},
                                                            "position": pos(3, 2)}},
        {"id": 4, "method": "textDocument/definition", "params": {"textDocument": {"uri": URI},
                                                                 "position": pos(1, 21)}},
        {"id": 5, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": URI},
                                                                 "range": rng(0, 0, 9, 0)}},
    ]
    c = server()
    for _ in range(400):
        body = bytearray(json.dumps(dict(rnd.choice(base), jsonrpc="2.0")).encode())
        for _ in range(rnd.randint(1, 4)):
            i = rnd.randrange(len(body))
            op = rnd.randrange(3)
            if op == 0:
                body[i] = rnd.randrange(256)
            elif op == 1:
                del body[i]
            else:
                del body[i:]
                break
        c.send_raw(frame(bytes(body)))
    c.send({"id": "last", "method": "initialize", "params": {}})
    expect("answer after the noise", "result" in c.response("last"), True)
    c.notify("exit")
    expect("exit status", c.finish(), 1)


def t_script_refused():
    r = subprocess.run([KTAPC, "--lsp", "x.kp"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    expect("status and message", [r.returncode, r.stdout, r.stderr],
           [1, "", "ktapc: error: --lsp reads its documents from the client, not a script\n"])


def t_shutdown_then_requests():
    c = started()
    c.request("shutdown")
    expect("after shutdown", c.request("textDocument/hover", {})["error"]["code"], -32600)
    c.notify("exit")
    expect("exit status", c.finish(), 0)


def t_exit_without_shutdown():
    c = started()
    c.notify("exit")
    expect("exit status", c.finish(), 1)


def t_end_of_input():
    c = started()
    expect("exit status", c.finish(), 1)


def t_truncated_frame():
    c = started()
    c.send_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\"")
    expect("exit status", c.finish(), 1)


def t_close_clears():
    c = started()
    open_doc(c, "prnt(1)\n")
    c.notify("textDocument/didClose", {"textDocument": {"uri": URI}})
    expect("cleared", c.notification("textDocument/publishDiagnostics")["params"],
           {"uri": URI, "diagnostics": []})
    expect("closed", at(c, "textDocument/hover", 0, 0)["error"]["code"], -32602)
    stop(c)


def timed_out(sig, frame):
    raise Fail("no answer in 30 s")


def main():
    names = [n for n in sorted(globals(), key=lambda n: list(globals()).index(n)) if n.startswith("t_")]
    if len(sys.argv) > 1:
        names = ["t_" + n for n in sys.argv[1:]]
    failed = 0
    signal.signal(signal.SIGALRM, timed_out)
    for name in names:
        try:
            signal.alarm(30)	# a server that stops answering fails its case
            globals()[name]()
            signal.alarm(0)
            print("PASS: lsp: %s" % name[2:])
        except Exception as e:
            failed += 1
            why = str(e) if isinstance(e, Fail) else traceback.format_exc().strip().replace("\n", " | ")
            print("FAIL: lsp: %s: %s" % (name[2:], why))
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

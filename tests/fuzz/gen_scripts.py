#!/usr/bin/env python3
"""Generate random, valid ktap scripts that stress kernel-context code generation.

usage: gen_scripts.py SEED [COUNT [OUTDIR]]
KTAP_FUZZ_AVOID=len,calls,... leaves out constructs (see AVOID).
Writes OUTDIR/s<SEED>-<i>.kp (default: one script to standard output).
The same seed always gives the same scripts.

Every script is meant to be type-correct per docs/language.md and docs/semantics.md:
each variable, table key and table value has one type; tables are made only in
the main chunk; pairs/print_hist only in trace_end; user functions are called
from kernel handlers only and never recursively (function i calls only j < i).
"""
import os
import random
import sys

# Constructs to leave out (comma-separated), so that known bugs do not hide
# others: "len" (len() of a string), "calls" (call chains deeper than the
# verifier's 8 frames), "fanout" (many call paths to one function: the
# verifier walks a function again on each), "format" (a --strlen too small for
# the format of a '..' chain), "strread" (string-valued table reads inside
# expressions: each doubles the verifier's states).
AVOID = set(os.environ.get("KTAP_FUZZ_AVOID", "").split(","))

NUM, STR, BOOL = "num", "str", "bool"

# Event sets a handler may use: the specs and the fields common to all of them.
EVENTS = [
    (["sched:sched_switch"],
     {"args.prev_pid": NUM, "args.next_pid": NUM, "args.prev_prio": NUM,
      "args.prev_state": NUM, "args.prev_comm": STR, "args.next_comm": STR,
      "arg0": STR, "arg1": NUM, "arg3": NUM},
     ["prev_pid", "next_pid", "prev_prio"], ["prev_comm", "next_comm"]),
    (["syscalls:sys_enter_read"],
     {"arg0": NUM, "arg1": NUM, "arg2": NUM, "arg3": NUM, "args.fd": NUM, "args.count": NUM},
     ["fd", "count"], []),
    (["syscalls:sys_exit_read"],
     {"arg0": NUM, "arg1": NUM, "args.ret": NUM},
     ["ret"], []),
    (["syscalls:sys_enter_openat"],
     {"arg0": NUM, "arg1": NUM, "arg2": NUM, "arg3": NUM, "args.flags": NUM,
      "user_string(arg2)": STR, "user_string(args.filename)": STR},
     ["flags", "dfd"], []),
    (["raw_syscalls:sys_enter"],
     {"arg0": NUM, "args.id": NUM},
     ["id"], []),
    (["syscalls:sys_enter_read", "syscalls:sys_enter_openat"],
     {"arg0": NUM, "arg1": NUM, "arg2": NUM, "arg3": NUM},
     [], []),
    (["syscalls:sys_exit_read", "syscalls:sys_exit_openat"],
     {"arg0": NUM, "arg1": NUM},
     ["ret"], []),
]

NUM_BUILTINS = ["pid", "tid", "uid", "cpu", "gettimeofday_ns()", "num_cpus()"]
STR_BUILTINS = ["execname"]
ARITH = ["+", "-", "*", "/", "%", "&", "|", "<<", ">>"]
CMP = ["<", "<=", ">", ">=", "==", "!="]


# An expression of type t that is never nil (docs/semantics.md, nil): what a
# function returns, and its arguments when it has many parameters.
NOT_NIL = {NUM: "(%s) + 0", STR: '(%s) .. ""'}


class Func:
    def __init__(self, name, params, ret, wrapped):
        self.name, self.params, self.ret = name, params, ret  # params: list of types
        self.wrapped = wrapped  # its arguments are made never nil (NOT_NIL)
        self.frames = 1  # BPF call frames it needs, its own included (a loop body is one)
        self.paths = 1  # call paths from it to its callees, itself included


class Table:
    def __init__(self, name, keys, val):
        self.name, self.keys, self.val = name, keys, val


class Ctx:
    """Where code is being generated: the visible locals, the event, the callable functions."""

    def __init__(self, fields, funcs, in_func=None):
        self.scopes = [[]]  # lists of (name, type, assignable)
        self.fields = fields or {}
        self.funcs = funcs
        self.in_func = in_func  # the Func being generated, if any
        self.loops = 0
        self.nlocal = 0
        self.deep = 0  # frames needed below this function's own
        self.paths = 1  # call paths so far (see Func.paths)

    def visible(self, t, assignable=False):
        return [n for s in self.scopes for (n, ty, a) in s if ty == t and (a or not assignable)]

    def declare(self, t, assignable=True, prefix="l"):
        self.nlocal += 1
        name = "%s%d" % (prefix, self.nlocal)
        self.scopes[-1].append((name, t, assignable))
        return name


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.globals = []  # (name, type)
        self.tables = []
        self.funcs = []
        self.out = []
        # Size profile: tiny scripts to huge ones.
        self.size = self.r.choice([1, 1, 2, 3, 4, 6, 10, 16, 30, 60])
        self.max_depth = self.r.choice([1, 2, 3, 4, 5, 7, 10])
        self.expr_depth = self.r.choice([1, 2, 3, 4, 6, 8])
        self.budget = 0
        # most scripts stay within the verifier's call depth, a few test it
        self.deep_calls = self.chance(0.1) and "calls" not in AVOID

    # ---------- helpers
    def chance(self, p):
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(xs)

    def num_lit(self):
        k = self.r.random()
        if k < 0.5:
            return str(self.r.randint(0, 20))
        if k < 0.7:
            return str(self.r.randint(0, 1 << 31))
        if k < 0.8:
            return hex(self.r.randint(0, (1 << 64) - 1))
        if k < 0.85:
            return "0%o" % self.r.randint(1, 4095)
        if k < 0.9:
            return "9223372036854775807"
        return str(self.r.choice([1, 2, 3, 7, 8, 63, 64, 65, 1000, 4096]))

    def str_lit(self):
        k = self.r.random()
        if k < 0.1:
            return '""'
        alphabet = "abcdefghijklmnopqrstuvwxyzABC0123456789 _-:/.%"
        n = self.r.choice([1, 3, 5, 8, 15, 16, 17, 31, 40, 63, 64, 65, 90])
        s = "".join(self.pick(alphabet) for _ in range(n))
        if self.chance(0.2):
            s += self.pick(["\\n", "\\t", "\\x41", "\\\\", "\\\"", "\\065"])
        return '"%s"' % s

    # ---------- expressions
    def num(self, c, d):
        r = self.r.random()
        if d <= 0 or r < 0.3:
            return self.num_leaf(c)
        if r < 0.65:
            op = self.pick(ARITH)
            a, b = self.num(c, d - 1), self.num(c, d - 1)
            if op in ("/", "%") and b in ("0", "0x0"):
                b = "1"  # a literal zero divisor is a compile error
            return "(%s %s %s)" % (a, op, b)
        if r < 0.72:
            return "(-(%s))" % self.num(c, d - 1)
        if r < 0.76:
            return "(~%s)" % self.num(c, d - 1)
        if r < 0.82:
            # a long flat chain: long expressions are where register pressure shows
            n = self.r.randint(3, 12)
            parts = [self.num(c, 0) for _ in range(n)]
            s = parts[0]
            for p in parts[1:]:
                s += " %s %s" % (self.pick(["+", "-", "*", "&", "|"]), p)
            return "(%s)" % s
        if r < 0.9:
            call = self.call(c, NUM, d - 1)
            if call:
                return call
        if r < 0.95 and "len" not in AVOID:
            return "len(%s)" % self.str(c, d - 1)
        t = self.table_of(val=NUM)
        if t:
            return self.table_read(c, t, d - 1)
        return self.num_leaf(c)

    def num_leaf(self, c):
        choices = [lambda: self.num_lit()]
        vs = c.visible(NUM)
        if vs:
            choices += [lambda: self.pick(vs)] * 3
        gs = [n for (n, t) in self.globals if t == NUM]
        if gs:
            choices += [lambda: self.pick(gs)] * 2
        fs = [f for f, t in c.fields.items() if t == NUM]
        if fs:
            choices += [lambda: self.pick(fs)] * 2
        choices += [lambda: self.pick(NUM_BUILTINS)]
        return self.pick(choices)()

    def str(self, c, d):
        r = self.r.random()
        if d <= 0 or r < 0.4:
            return self.str_leaf(c)
        if r < 0.7:
            n = self.r.randint(2, 5)
            parts = []
            for _ in range(n):
                parts.append(self.str_leaf(c) if self.chance(0.6) else self.num_leaf(c))
            return "(%s)" % " .. ".join(parts)
        if r < 0.85:
            call = self.call(c, STR, d - 1)
            if call:
                return call
        t = self.table_of(val=STR)
        if t and "strread" not in AVOID:
            return self.table_read(c, t, d - 1)
        return self.str_leaf(c)

    def str_leaf(self, c):
        choices = [lambda: self.str_lit()]
        vs = c.visible(STR)
        if vs:
            choices += [lambda: self.pick(vs)] * 3
        gs = [n for (n, t) in self.globals if t == STR]
        if gs:
            choices += [lambda: self.pick(gs)] * 2
        fs = [f for f, t in c.fields.items() if t == STR]
        if fs:
            choices += [lambda: self.pick(fs)] * 2
        choices += [lambda: "execname"]
        if c.fields:
            choices += [lambda: "probename"]
        return self.pick(choices)()

    def bool(self, c, d):
        r = self.r.random()
        if d <= 0 or r < 0.15:
            return self.bool_leaf(c)
        if r < 0.4:
            return "(%s %s %s)" % (self.num(c, d - 1), self.pick(CMP), self.num(c, d - 1))
        if r < 0.5:
            return "(%s %s %s)" % (self.str(c, d - 1), self.pick(["==", "!="]), self.str(c, d - 1))
        if r < 0.55:
            return "(%s %s %s)" % (self.bool(c, d - 1), self.pick(["==", "!="]), self.bool(c, d - 1))
        if r < 0.75:
            return "(%s %s %s)" % (self.bool(c, d - 1), self.pick(["&&", "||"]), self.bool(c, d - 1))
        if r < 0.82:
            return "(!%s)" % self.bool(c, d - 1)
        if r < 0.87:
            # && || ! take any value
            x = self.pick([self.num, self.str])(c, d - 1)
            return "(%s %s %s)" % (x, self.pick(["&&", "||"]), self.bool(c, d - 1))
        if r < 0.95 and self.tables:
            t = self.pick(self.tables)
            return "(%s %s nil)" % (self.table_read(c, t, d - 1), self.pick(["==", "!="]))
        t = self.table_of(val=BOOL)
        if t:
            return self.table_read(c, t, d - 1)
        return self.bool_leaf(c)

    def bool_leaf(self, c):
        choices = [lambda: self.pick(["true", "false"])]
        vs = c.visible(BOOL)
        if vs:
            choices += [lambda: self.pick(vs)] * 3
        gs = [n for (n, t) in self.globals if t == BOOL]
        if gs:
            choices += [lambda: self.pick(gs)] * 2
        return self.pick(choices)()

    def expr(self, c, t, d):
        return {NUM: self.num, STR: self.str, BOOL: self.bool}[t](c, d)

    def table_of(self, val=None):
        ts = [t for t in self.tables if val is None or t.val == val]
        return self.pick(ts) if ts else None

    def table_read(self, c, t, d):
        return "%s[%s]" % (t.name, ", ".join(self.expr(c, k, min(d, 2)) for k in t.keys))

    def callable(self, c, ret="any"):
        """Functions c may call without passing the verifier's 8 call frames
        (unless this script tests that limit)."""
        fs = [f for f in c.funcs if ret == "any" or f.ret == ret]
        if not self.deep_calls:
            fs = [f for f in fs if 1 + c.loops + f.frames <= 8]
        if "fanout" in AVOID:
            fs = [f for f in fs if c.paths + f.paths <= 24]
        return fs

    def call(self, c, ret, d):
        fs = self.callable(c, ret)
        if not fs:
            return None
        f = self.pick(fs)
        c.deep = max(c.deep, c.loops + f.frames)
        c.paths += f.paths
        args = [self.expr(c, p, min(d, 3)) for p in f.params]
        if f.wrapped:
            args = [NOT_NIL[p] % a for p, a in zip(f.params, args)]
        return "%s(%s)" % (f.name, ", ".join(args))

    # ---------- statements
    def line(self, ind, s):
        self.out.append("\t" * ind + s)

    def block(self, c, ind, depth, n):
        c.scopes.append([])
        for i in range(n):
            if self.budget <= 0:
                break
            self.stmt(c, ind, depth)
        c.scopes.pop()

    def stmt(self, c, ind, depth):
        self.budget -= 1
        r = self.r.random()
        ed = self.r.randint(0, self.expr_depth)
        nested = depth < self.max_depth
        if r < 0.14:
            t = self.pick([NUM, NUM, STR, BOOL])
            e = self.expr(c, t, ed)
            name = c.declare(t)
            self.line(ind, "var %s = %s" % (name, e))
        elif r < 0.24:
            t = self.pick([NUM, NUM, STR, BOOL])
            targets = c.visible(t, assignable=True) + [n for (n, ty) in self.globals if ty == t]
            if not targets:
                return self.stmt(c, ind, depth)
            x = self.pick(targets)
            if t == NUM and self.chance(0.4):
                self.line(ind, "%s += %s" % (x, self.num(c, ed)))
            else:
                self.line(ind, "%s = %s" % (x, self.expr(c, t, ed)))
        elif r < 0.38 and self.tables:
            self.table_stmt(c, ind, ed)
        elif r < 0.48 and nested:
            self.if_stmt(c, ind, depth)
        elif r < 0.56 and nested:
            self.loop_stmt(c, ind, depth)
        elif r < 0.66:
            self.print_stmt(c, ind, ed)
        elif r < 0.72:
            call = self.call(c, self.pick([NUM, STR, None]), ed)
            if call:
                self.line(ind, call)
            else:
                self.print_stmt(c, ind, ed)
        elif r < 0.74 and nested:
            self.line(ind, "do")
            self.block(c, ind + 1, depth + 1, self.r.randint(1, 3))
            self.line(ind, "end")
        elif r < 0.745:
            self.line(ind, "if (%s) {" % self.bool(c, 1))
            self.line(ind + 1, "exit()")
            self.line(ind, "}")
        elif r < 0.78 and nested:
            # an early exit from the function, handler or loop
            self.line(ind, "if (%s) {" % self.bool(c, min(ed, 2)))
            c.scopes.append([])
            if self.chance(0.5):
                self.stmt(c, ind + 1, depth + 1)
            c.scopes.pop()
            self.line(ind + 1, self.exit_stmt(c))
            self.line(ind, "}")
        else:
            t = self.pick([NUM, STR, BOOL])
            e = self.expr(c, t, ed)
            self.line(ind, "var %s = %s" % (c.declare(t), e))

    def exit_stmt(self, c):
        if c.loops and self.chance(0.6):
            return "break"
        f = c.in_func
        if f is None or f.ret is None:
            return "return"
        return "return %s" % (NOT_NIL[f.ret] % self.expr(c, f.ret, 2))

    def table_stmt(self, c, ind, ed):
        t = self.pick(self.tables)
        k = ", ".join(self.expr(c, kt, min(ed, 2)) for kt in t.keys)
        r = self.r.random()
        if r < 0.35:
            self.line(ind, "%s[%s] = %s" % (t.name, k, self.expr(c, t.val, ed)))
        elif r < 0.6 and t.val == NUM:
            self.line(ind, "%s[%s] += %s" % (t.name, k, self.num(c, ed)))
        elif r < 0.7:
            self.line(ind, "%s[%s] = nil" % (t.name, k))
        elif r < 0.85:
            self.line(ind, "if (%s[%s] == nil) {" % (t.name, k))
            self.line(ind + 1, "%s[%s] = %s" % (t.name, k, self.expr(c, t.val, 1)))
            self.line(ind, "}")
        else:
            self.line(ind, "var %s = %s[%s]" % (c.declare(t.val), t.name, k))

    def if_stmt(self, c, ind, depth):
        self.line(ind, "if (%s) {" % self.bool(c, self.r.randint(0, self.expr_depth)))
        self.block(c, ind + 1, depth + 1, self.r.randint(1, 1 + self.size // 2))
        for _ in range(self.r.choice([0, 0, 1, 2])):
            self.line(ind, "} elseif (%s) {" % self.bool(c, 2))
            self.block(c, ind + 1, depth + 1, self.r.randint(1, 3))
        if self.chance(0.4):
            self.line(ind, "} else {")
            self.block(c, ind + 1, depth + 1, self.r.randint(1, 3))
        self.line(ind, "}")

    def loop_stmt(self, c, ind, depth):
        k = self.r.random()
        n = self.r.randint(1, 1 + self.size // 2)
        c.loops += 1
        c.deep = max(c.deep, c.loops)
        if k < 0.35:
            lo, hi = self.r.randint(-3, 5), self.pick(["10", "3", "0", "100", self.num_leaf(c)])
            c.scopes.append([])
            iv = c.declare(NUM, assignable=False, prefix="i")
            step = self.pick(["", "", ", 2", ", -1", ", 3"])
            self.line(ind, "for (%s = %d, %s%s) {" % (iv, lo, hi, step))
            self.block(c, ind + 1, depth + 1, n)
            c.scopes.pop()
            self.line(ind, "}")
        elif k < 0.7:
            cnt = c.declare(NUM, assignable=False, prefix="w")
            self.line(ind, "var %s = 0" % cnt)
            cond = "%s < %d" % (cnt, self.r.randint(0, 30))
            if self.chance(0.3):
                cond = "%s && %s" % (cond, self.bool(c, 1))
            self.line(ind, "while (%s) {" % cond)
            self.line(ind + 1, "%s += 1" % cnt)
            self.block(c, ind + 1, depth + 1, n)
            self.line(ind, "}")
        else:
            cnt = c.declare(NUM, assignable=False, prefix="w")
            self.line(ind, "var %s = 0" % cnt)
            self.line(ind, "repeat")
            self.line(ind + 1, "%s += 1" % cnt)
            self.block(c, ind + 1, depth + 1, n)
            self.line(ind, "until (%s >= %d)" % (cnt, self.r.randint(0, 20)))
        c.loops -= 1

    def print_stmt(self, c, ind, ed):
        n = self.r.randint(0, 6)
        types = [self.pick([NUM, NUM, STR, BOOL]) for _ in range(n)]
        args = [self.expr(c, t, min(ed, 3)) for t in types]
        if self.chance(0.4):
            self.line(ind, "print(%s)" % ", ".join(args))
            return
        fmt = []
        for t in types:
            if t == NUM:
                fmt.append(self.pick(["%d", "%5d", "%-3d", "%x", "%08X", "%u", "%o", "%s", "%i", "%+d"]))
            else:
                fmt.append(self.pick(["%s", "%10s", "%-20s", "%.3s"]))
        text = self.pick(["", "x=", "%% ", "a b "]) + " ".join(fmt) + "\\n"
        self.line(ind, "printf(%s)" % ", ".join(['"%s"' % text] + args))

    # ---------- top level
    def gen_globals(self):
        for i in range(self.r.randint(0, 2 + self.size)):
            t = self.pick([NUM, NUM, STR, BOOL])
            name = "g%d" % i
            init = {NUM: self.num_lit, STR: self.str_lit,
                    BOOL: lambda: self.pick(["true", "false"])}[t]()
            self.line(0, "var %s = %s" % (name, init))
            self.globals.append((name, t))
        for i in range(self.r.randint(0, 1 + self.size // 2)):
            nk = self.pick([1, 1, 1, 2, 3])
            keys = [self.pick([NUM, NUM, STR, BOOL]) for _ in range(nk)]
            t = Table("t%d" % i, keys, self.pick([NUM, NUM, STR, BOOL]))
            self.line(0, "var %s = %s" % (t.name, self.pick(["{}", "{}", "table.new(0, 64)"])))
            # fix the key and value types even if the handlers only read the table
            lit = {NUM: "1", STR: '"k"', BOOL: "true"}
            k = ", ".join(lit[kt] for kt in keys)
            self.line(0, "%s[%s] = %s" % (t.name, k, lit[t.val]))
            self.line(0, "%s[%s] = nil" % (t.name, k))
            self.tables.append(t)

    def gen_funcs(self):
        for i in range(self.r.randint(0, 1 + self.size // 3)):
            ret = self.pick([NUM, NUM, STR, None])
            # a parameter that may be nil takes two of BPF's 5 argument
            # registers (a string result one): many parameters need
            # arguments that are never nil
            most = 4 if ret == STR else 5
            np = self.r.randint(0, most)
            wrapped = 2 * np > most
            params = [self.pick([NUM, NUM, STR]) for _ in range(np)]
            f = Func("f%d" % i, params, ret, wrapped)
            c = Ctx(None, list(self.funcs), in_func=f)
            # (nor assigned a value that may be nil)
            names = [c.declare(p, assignable=not wrapped, prefix="p") for p in params]
            self.line(0, "function %s(%s) {" % (f.name, ", ".join(names)))
            # make every parameter's type fixed by the body, as calls are not always present
            for n, p in zip(names, params):
                if p == NUM:
                    self.line(1, "var %s = %s + 0" % (c.declare(NUM), n))
                else:
                    self.line(1, "var %s = %s == \"\"" % (c.declare(BOOL), n))
            self.budget = self.r.randint(1, 2 + self.size * 2)
            self.block(c, 1, 1, 10 ** 6)
            if ret:
                self.line(1, "return %s" % (NOT_NIL[ret] % self.expr(c, ret, self.r.randint(0, 3))))
            self.line(0, "}")
            f.frames = 1 + c.deep
            f.paths = c.paths
            self.funcs.append(f)

    def gen_handler(self):
        if self.chance(0.05):
            specs, fields, nf, sf = ["profile-%dms" % self.r.randint(1, 100)], {}, [], []
            head = specs[0]
        else:
            specs, fields, nf, sf = self.pick(EVENTS)
            head = "trace " + ", ".join(specs)
            if self.chance(0.35):
                head += " /%s/" % self.filter(nf, sf)
        c = Ctx(fields, list(self.funcs))
        self.line(0, head + " {")
        self.budget = self.r.randint(1, 3 + self.size * 4)
        self.block(c, 1, 1, 10 ** 6)
        self.line(0, "}")

    def filter(self, nf, sf):
        parts = []
        for _ in range(self.r.randint(1, 3)):
            k = self.r.random()
            if nf and k < 0.5:
                parts.append("%s %s %s" % (self.pick(nf), self.pick(CMP), self.r.randint(0, 1000)))
            elif sf and k < 0.8:
                parts.append('%s %s "%s"' % (self.pick(sf), self.pick(["==", "!="]),
                                             self.pick(["bash", "swapper/0", "ktap", ""])))
            else:
                parts.append("pid %s %d" % (self.pick(CMP), self.r.randint(0, 100)))
        s = parts[0]
        for p in parts[1:]:
            s = "%s %s %s" % (s, self.pick(["&&", "||"]), p)
        return s

    def gen_end(self):
        if not self.tables or not self.chance(0.4):
            return
        self.line(0, "trace_end {")
        for t in self.tables:
            if len(t.keys) == 1 and self.chance(0.5):
                self.line(1, "for (k, v in pairs(%s)) {" % t.name)
                self.line(2, "print(k, v)")
                self.line(1, "}")
            if len(t.keys) == 1 and t.val == NUM and self.chance(0.5):
                self.line(1, "print_hist(%s)" % t.name)
            if self.chance(0.3):
                self.line(1, "delete(%s)" % t.name)
        self.line(0, "}")

    def script(self):
        if self.chance(0.3):
            # the runner and tests/kernel/objects.sh pass these to ktapc
            sizes = [40, 128] if "format" in AVOID else [8, 16, 24, 32, 40, 128]
            self.line(0, "# ktapc-flags: --strlen %d" % self.pick(sizes))
        self.gen_globals()
        self.gen_funcs()
        for _ in range(self.r.randint(1, 1 + self.size // 4)):
            self.gen_handler()
        self.gen_end()
        return "\n".join(self.out) + "\n"


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    outdir = sys.argv[3] if len(sys.argv) > 3 else None
    for i in range(count):
        text = Gen("%d-%d" % (seed, i)).script()
        if outdir is None:
            sys.stdout.write(text)
        else:
            with open("%s/s%d-%d.kp" % (outdir, seed, i), "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()

# ktap -f json (docs/json.md): every kind of output as one JSON object per
# line, each line parsed by python's json module (strict UTF-8) and printed
# back by it, so that the cases compare what the objects mean.
. "$(dirname "$0")/lib.bash"

# parsed FILE: FILE's lines as python reads them back, one per line.
parsed() {
	python3 -c 'import json, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
assert text.endswith("\n"), "no newline at the end"
for line in text[:-1].split("\n"):
    print(json.dumps(json.loads(line)))' "$1" || fail "not JSON lines: $(cat "$1")"
}

# run OUT SCRIPT WORKLOAD-ARGS...: ktap -f json with the workload as CMD,
# the output in OUT; stderr holds the compile diagnostics (none) only.
run() {
	local out=$1 script=$2; shift 2
	"$KTAP" -q -f json -e "$script" -- "$WORKLOAD" -q "$@" >"$out" 2>"$out.err" || fail "ktap: $(cat "$out.err")"
	expect "stderr" "$(cat "$out.err")" '{"version": 1, "diagnostics": []}'
}

HEADER='{"type": "ktap_json", "version": 1, "script": "<command line>"}'
END='{"type": "end", "exit_status": 0}'

# Kernel and user printf: quotes, tabs, backslashes and newlines escaped,
# bytes that are not UTF-8 as U+FFFD, a line printed in two parts as two
# objects; the header first, the end last.
t_printf() {
run "$work/o" 'trace syscalls:sys_enter_getppid /execname == "kt-jpf"/ { printf("say \"%s\"\t\\ %d\n", execname, 7) }
trace_end { printf("bad \xff\xfe ok\n") printf("part ") printf("two\n") }' --comm kt-jpf getppid 2
expect "printf" "$(parsed "$work/o")" "$HEADER"'
{"type": "printf", "data": "say \"kt-jpf\"\t\\ 7\n"}
{"type": "printf", "data": "say \"kt-jpf\"\t\\ 7\n"}
{"type": "printf", "data": "bad \ufffd\ufffd ok\n"}
{"type": "printf", "data": "part "}
{"type": "printf", "data": "two\n"}'"
$END"
no_leaks
}

# print's values keep their types: numbers, strings, booleans, nil as null.
t_print() {
run "$work/o" 'var n = 0
var t = {}
trace syscalls:sys_enter_getppid /execname == "kt-jpr"/ { n += 1 print(execname, 5) }
trace_end { var x = t[1]
print(n, "a\"b\nc", n > 2, x) }' --comm kt-jpr getppid 3
expect "print" "$(parsed "$work/o")" "$HEADER"'
{"type": "print", "data": ["kt-jpr", 5]}
{"type": "print", "data": ["kt-jpr", 5]}
{"type": "print", "data": ["kt-jpr", 5]}
{"type": "print", "data": [3, "a\"b\nc", true, null]}'"
$END"
no_leaks
}

# print_hist of an ordinary table: its rows by count; a tuple key as an
# array; rows left out counted in "more".
t_print_hist_table() {
run "$work/o" 'var c = {}
var d = {}
trace syscalls:sys_exit_write /execname == "kt-jph"/ { c[arg1 > 70] += 1 d[execname, arg1 % 3] += 1 }
trace_end { print_hist(c) print_hist(d, 1) }' --comm kt-jph write-sizes 100
expect "print_hist" "$(parsed "$work/o")" "$HEADER"'
{"type": "print_hist", "table": "c", "rows": [{"key": false, "value": 70}, {"key": true, "value": 30}], "more": 0}
{"type": "print_hist", "table": "d", "rows": [{"key": ["kt-jph", 1], "value": 34}], "more": 2}'"
$END"
no_leaks
}

# An aggregation's log2 histogram: the workload's writes of 1..100 bytes
# from 2 threads, bucket by bucket, bounds inclusive.
t_agg_hist() {
run "$work/o" 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-jah"/ { w[execname] <<< arg1 }
trace_end { print_hist(w) }' --comm kt-jah --threads 2 write-sizes 100
expect "hist" "$(parsed "$work/o")" "$HEADER"'
{"type": "hist", "table": "w", "entries": [{"key": "kt-jah", "buckets": [{"min": 1, "max": 1, "count": 2}, {"min": 2, "max": 3, "count": 4}, {"min": 4, "max": 7, "count": 8}, {"min": 8, "max": 15, "count": 16}, {"min": 16, "max": 31, "count": 32}, {"min": 32, "max": 63, "count": 64}, {"min": 64, "max": 127, "count": 74}]}]}'"
$END"
no_leaks
}

# print_lhist: the bucket below min has no "min", the one from max on no "max";
# an aggregation without keys has no "key".
t_agg_lhist() {
run "$work/o" 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-jal"/ { w <<< arg1 }
trace_end { print_lhist(w, 20, 80, 20) }' --comm kt-jal --threads 2 write-sizes 100
expect "lhist" "$(parsed "$work/o")" "$HEADER"'
{"type": "lhist", "table": "w", "entries": [{"buckets": [{"max": 19, "count": 38}, {"min": 20, "max": 39, "count": 40}, {"min": 40, "max": 59, "count": 40}, {"min": 60, "max": 79, "count": 40}, {"min": 80, "count": 42}]}]}'"
$END"
no_leaks
}

t_agg_stats() {
run "$work/o" 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-jas"/ { w[execname, arg1 > 50] <<< arg1 }
trace_end { print_stats(w) }' --comm kt-jas --threads 2 write-sizes 100
expect "stats" "$(parsed "$work/o")" "$HEADER"'
{"type": "stats", "table": "w", "entries": [{"key": ["kt-jas", false], "count": 100, "average": 25, "total": 2550, "min": 1, "max": 50}, {"key": ["kt-jas", true], "count": 100, "average": 75, "total": 7550, "min": 51, "max": 100}]}'"
$END"
no_leaks
}

# Stacks printed by print are objects with their frames: the kernel's
# through the system call entry, the user's two deep.
t_stacks() {
run "$work/o" 'trace syscalls:sys_enter_getppid /execname == "kt-jst"/ { print(stack(), ustack(2)) }' \
	--comm kt-jst stack 1
python3 -c 'import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["type"] for l in lines] == ["ktap_json", "print", "end"], lines
k, u = lines[1]["data"]
assert k["stack"] == "kernel" and not k["lost"], k
assert any(re.fullmatch(r"do_syscall_64\+0x[0-9a-f]+", f) for f in k["frames"]), k
assert u["stack"] == "user" and not u["lost"] and len(u["frames"]) == 2, u
user = r"ktap_workload_stack_(leaf|caller)\+0x[0-9a-f]+ \(.*\)|0x[0-9a-f]+ \(build id [0-9a-f]{40}\)"
assert all(re.fullmatch(user, f) for f in u["frames"]), u' "$work/o" 2>&1 ||
	fail "stacks: $(cat "$work/o")"
no_leaks
}

# The end-of-run warnings go out as objects on the output, not on stderr.
t_warnings() {
"$KTAP" -q -f json --table-size 4 -e 'var i = 0
var s = {}
trace syscalls:sys_enter_getppid /execname == "kt-jwa"/ { i += 1 s[i] = 1 while (true) { } }' \
	-- "$WORKLOAD" -q --comm kt-jwa getppid 10 >"$work/o" 2>"$work/o.err" || fail "ktap: $(cat "$work/o.err")"
expect "stderr" "$(cat "$work/o.err")" '{"version": 1, "diagnostics": []}'
expect "warnings" "$(parsed "$work/o")" "$HEADER"'
{"type": "warning", "kind": "dropped_updates", "count": 6, "table": "s", "line": 2, "entries": 4, "message": "6 updates to table '"'s'"' (line 2) were dropped: table full (4 entries)"}
{"type": "warning", "kind": "loop_caps", "count": 10, "message": "10 loops in kernel handlers were stopped at the iteration cap (100000)"}'"
$END"
no_leaks
}

# Lost records: the output is a fifo nobody reads while the workload runs,
# so ktap blocks on its write and the ring buffer (256 KiB) overflows.
# What was printed and what was lost add up to the events exactly.
t_lost_records() {
local fifo=$work/fifo hold rd n=40000
mkfifo "$fifo"
exec {hold}<>"$fifo"	# a reader: ktap's open does not wait
ktap_bg "$work/o" -f json -o "$fifo" -e 'trace syscalls:sys_enter_getppid /execname == "kt-jlo"/ { printf("x\n") }'
exec {rd}<"$fifo" {hold}>&-
"$WORKLOAD" -q --comm kt-jlo getppid $n || fail "workload"
cat <&$rd >"$work/lost" &
local cat=$!
exec {rd}<&-
kill -INT $KTAP_PID
ktap_wait
wait $cat
expect "exit status" "$KTAP_RC" 0
python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
printed = sum(1 for l in lines if l == {"type": "printf", "data": "x\n"})
lost = [l for l in lines if l["type"] == "warning"]
assert len(lost) == 1 and lost[0]["kind"] == "lost_records", lost
assert lost[0]["count"] > 0 and printed + lost[0]["count"] == int(sys.argv[2]), (printed, lost)
assert lines[0]["type"] == "ktap_json" and lines[-1] == {"type": "end", "exit_status": 0}' "$work/lost" $n 2>&1 ||
	fail "lost records"
}

# -o FILE: the objects go there, stdout stays empty; the end object has
# the exit status ktap ends with (CMD's).
t_output_file() {
local rc=0
"$KTAP" -q -f json -o "$work/f.json" -e 'trace syscalls:sys_enter_getppid { }
trace_end { print("done") }' -- sh -c 'exit 3' >"$work/f.out" 2>/dev/null || rc=$?
expect "exit status" "$rc" 3
expect "stdout" "$(cat "$work/f.out")" ""
expect "file" "$(parsed "$work/f.json")" "$HEADER"'
{"type": "print", "data": ["done"]}
{"type": "end", "exit_status": 3}'
no_leaks
}

# Compile errors with -f json are ktapc's JSON diagnostics on stderr;
# nothing is written to the output.
t_compile_error() {
local rc=0
"$KTAP" -f json -e 'print(1' >"$work/c.out" 2>"$work/c.err" || rc=$?
expect "exit status" "$rc" 1
expect "stdout" "$(cat "$work/c.out")" ""
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["diagnostics"]
assert d[0]["severity"] == "error" and d[0]["code"] == "syntax-error", d
assert d[0]["range"]["start"] == {"line": 1, "column": 8, "display_column": 8}, d' "$work/c.err" 2>&1 ||
	fail "diagnostics: $(cat "$work/c.err")"
}

t_bad_options() {
local rc=0
"$KTAP" -f yaml -e 'print(1)' 2>"$work/e" || rc=$?
expect "-f yaml" "$rc: $(cat "$work/e")" "1: ktap: error: '-f yaml': expected text or json"
}

# After -f json, the driver's errors are diagnostics too (docs/diagnostics.md):
# one JSON document, a driver-... code, no range.
t_driver_errors() {
local rc=0
"$KTAP" -f json -T -e 'print(1)' 2>"$work/e" || rc=$?
expect "-T" "$rc: $(cat "$work/e")" '1: {"version": 1, "diagnostics": [
 {"code": "driver-usage", "severity": "error", "message": "-T cannot be used with -f json", "file": "ktap", "notes": [], "fixits": []}]}'
rc=0
"$KTAP" -f json "$work/nosuch.kp" 2>"$work/e" || rc=$?
expect "missing script" "$rc: $(cat "$work/e")" '1: {"version": 1, "diagnostics": [
 {"code": "driver-cannot-read", "severity": "error", "message": "cannot read '"'$work/nosuch.kp'"': No such file or directory", "file": "ktap", "notes": [], "fixits": []}]}'
rc=0
"$KTAP" -f json --strlen 2>"$work/e" || rc=$?
expect "--strlen" "$rc: $(cat "$work/e")" '1: {"version": 1, "diagnostics": [
 {"code": "driver-bad-argument", "severity": "error", "message": "'"'--strlen'"' needs an argument", "file": "ktap", "notes": [], "fixits": []}]}'
}

run_cases

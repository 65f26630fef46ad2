# Strings sized by what they hold (docs/lowering.md, "Sized strings"): a
# comparison reads only the shorter buffer, and an output record holds a
# string in its own size, yet every result is the one whole strings give.
. "$(dirname "$0")/lib.bash"

# A literal longer than a comm, equal to all 15 of its characters, is not
# the comm; the comm itself is, from either side.
t_literal_longer_than_execname() {
	run_workload kt-size-fifteen 'trace syscalls:sys_enter_getppid /execname == "kt-size-fifteen" || execname == "kt-size-fifteen!"/ {
	print(execname == "kt-size-fifteen!", "kt-size-fifteen!" != execname, execname == "kt-size-fifteen", "kt-size-fifteen" == execname)
}' getppid 1
	expect "output" "$(cat "$work/out")" "false	true	true	true"
}

# A --strlen variable against short literals: a literal that is its prefix
# is not equal, nor is a longer one sharing the literal's whole buffer.
t_variable_against_short_literal() {
	run_workload kt-szvar 'trace syscalls:sys_enter_getppid /execname == "kt-szvar"/ {
	var s = execname .. "-abcdefghijklmnop"
	print(s == "kt-szvar-abcdefghijklmnop", s == "kt-szvar", s == "kt-szvar-abcdef", s != "kt-szvar-abcdefg")
}' getppid 1
	expect "output" "$(cat "$work/out")" "true	false	false	true"
}

# One variable holding execname, then a literal longer than a comm.
t_variable_execname_then_long_literal() {
	run_workload kt-szmix 'trace syscalls:sys_enter_getppid /execname == "kt-szmix"/ {
	var s = execname
	print(s == "kt-szmix", s == execname)
	s = "kt-szmix-and-a-long-tail-beyond-a-comm"
	print(s == "kt-szmix", s == execname, s == "kt-szmix-and-a-long-tail-beyond-a-comm")
}' getppid 1
	expect "output" "$(cat "$work/out")" "true	true
false	false	true"
}

# printf and print of execname: 16 bytes in the record, written there by the
# helper after the reserve, between numbers that keep their places.
t_printf_execname() {
	run_workload kt-szpr 'trace syscalls:sys_enter_getppid /execname == "kt-szpr"/ {
	printf("[%s] %d [%-10s] %s\n", execname, 7, execname, "end")
	print(execname, 8, "x")
}' getppid 1
	expect "output" "$(cat "$work/out")" "[kt-szpr] 7 [kt-szpr   ] end
kt-szpr	8	x"
}

# The result of .. and a user string print whole (--strlen bytes).
t_printf_concat_and_user_string() {
	run_workload kt-szcat 'trace syscalls:sys_enter_openat /execname == "kt-szcat"/ {
	printf("%s|%s|%s\n", execname .. ":" .. 42, user_string(arg2), "lit" .. execname)
}' openat-fail 1
	expect "output" "$(cat "$work/out")" "kt-szcat:42|/nonexistent-ktap-workload/file|litkt-szcat"
}

# A two-part key of execname and a user string, each read straight into
# its place: found by the whole strings only.
t_key_execname_user_string() {
	run_workload kt-szkey 'var t = {}
trace syscalls:sys_enter_openat /execname == "kt-szkey"/ { t[execname, user_string(arg2)] += 1 }
trace_end {
	print(t["kt-szkey", "/nonexistent-ktap-workload/file"], t["kt-szkey", "/nonexistent-ktap-workload/fil"])
}' openat-fail 2
	expect "output" "$(cat "$work/out")" "2	nil"
}

# In a handler whose strings live in the frame (it calls a user function),
# execname reused from a frame buffer that held a longer string.
t_framed_execname() {
	run_workload kt-szfr 'function one() { return 1 }
trace syscalls:sys_enter_getppid /execname == "kt-szfr"/ {
	printf("%s|%s\n", "a string longer than any comm, to fill a buffer" .. one(), execname)
	printf("%s %d %s\n", execname, one(), execname .. "!")
	print(execname == "kt-szfr", execname == "kt-szfr-more")
}' getppid 1
	expect "output" "$(cat "$work/out")" "a string longer than any comm, to fill a buffer1|kt-szfr
kt-szfr 1 kt-szfr!
true	false"
}

# Keys with execname: one only execname makes is written whole, one also
# looked up by a longer literal takes more than the comm's bytes.
t_execname_keys() {
	run_workload kt-szk2 'var t = {} var u = {}
trace syscalls:sys_enter_getppid /execname == "kt-szk2"/ { t[execname] += 1 u[execname, 5] += 1 }
trace_end { print(t["kt-szk2"], u["kt-szk2", 5], t["kt-szk2-longer-than-comm"]) }' getppid 2
	expect "output" "$(cat "$work/out")" "2	2	nil"
}

# A table whose string values are sized by what they hold: execname written
# in the kernel, then a literal longer than a comm in user context, which
# the values' size takes; both print whole, read by pairs and by t[1].
VALUES='var t = {}
trace syscalls:sys_enter_getppid /execname == "kt-szval"/ { t[1] = execname }
trace_end {
	t[2] = "a literal longer than sixteen"
	for (k, v in sort_pairs(t)) { print(k, v) }
	var c = t[1]
	print(c == "kt-szval", c)
}'

t_table_values_grow() {
	run_workload kt-szval "$VALUES" getppid 1
	expect "output" "$(cat "$work/out")" "1	kt-szval
2	a literal longer than sixteen
true	kt-szval"
}

t_table_values_json() {
	"$KTAP" -q -f json -e "$VALUES" -- "$WORKLOAD" -q --comm kt-szval getppid 1 >"$work/o" 2>"$work/err" ||
		fail "ktap: $(cat "$work/err")"
	expect "output" "$(cat "$work/o")" '{"type":"ktap_json","version":1,"script":"<command line>"}
{"type":"print","data":[1,"kt-szval"]}
{"type":"print","data":[2,"a literal longer than sixteen"]}
{"type":"print","data":[true,"kt-szval"]}
{"type":"end","exit_status":0}'
	no_leaks
}

# A local and a global holding execname (16 bytes each): compared with the
# comm, with itself and with a longer literal, printed in both contexts.
t_variable_holding_execname() {
	run_workload kt-szv16 'var g = ""
trace syscalls:sys_enter_getppid /execname == "kt-szv16"/ {
	var c = execname
	g = c
	print(c == "kt-szv16", c, c == execname, c == "kt-szv16-and-more")
}
trace_end { print(g, g == "kt-szv16", g != "kt-szv16-and-more") }' getppid 1
	expect "output" "$(cat "$work/out")" "true	kt-szv16	true	false
kt-szv16	true	true"
}

run_cases "$@"

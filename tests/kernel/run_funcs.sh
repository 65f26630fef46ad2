# User functions with string parameters and results, called from a probe:
# global BPF functions, each verified once (docs/lowering.md, "Calls").
. "$(dirname "$0")/lib.bash"

# String functions calling each other: a string parameter, a string result,
# a constant and nil as arguments, a nilable parameter.
t_string_calls() {
	run_workload kt-fstr 'function tag(s) { return "<" .. s .. ">" }
function twice(s) { return tag(s) .. tag(s) }
function pick(s, n) { if (n > 1) { return s } return "none" }
function opt(s) { if (s == nil) { return "nil" } return s .. "" }
var t = {}
trace syscalls:sys_enter_getppid /execname == "kt-fstr"/ {
	t["a"] = "v"
	print(twice(execname), pick(tag("x"), 2), pick(probename, 1))
	print(opt(nil), opt(t["a"]), opt(t["b"]), opt(twice("y")))
}' getppid 2
	expect "output" "$(cat "$work/out")" "<kt-fstr><kt-fstr>	<x>	none
nil	v	nil	<y><y>
<kt-fstr><kt-fstr>	<x>	none
nil	v	nil	<y><y>"
}

# Five levels of functions, each calling the one below three times (twice
# in a loop): as static functions the verifier walked f0 at every call on
# every path and gave up ("BPF program is too large. Processed 1000001
# insn"). The result is the one the main chunk computes in user space.
chain='var k = 6
function f0(s, k) {
	var t = s .. ""
	if ((k & 1) != 0) { t = t .. "a" }
	if ((k & 2) != 0) { t = t .. "b" }
	return t
}'
for l in 1 2 3 4 5; do
	chain="$chain
function f$l(s, k) {
	var r = f$((l - 1))(s, k)
	for (i = 1, 2) { r = f$((l - 1))(r, k + i) .. f$((l - 1))(s, k >> i) }
	return r
}"
done

t_call_chain() {
	want=$("$KTAP" -q -e "$chain
print(f5(\"x\", k))") || fail "main chunk"
	expect "user space" "$want" xbabxabxaabxbabxabxaabaxbabxabxaaxabxaaxaxbabxabxaabxbabxabxaab
	run_workload kt-fchain "$chain
trace syscalls:sys_enter_getppid /execname == \"kt-fchain\"/ { print(f5(\"x\", k)) }" getppid 2
	expect "output" "$(cat "$work/out")" "$want
$want"
}

run_cases "$@"

# Kernel loops as open-coded iterators (bpf_iter_num_*, docs/lowering.md
# "Loops"): this kernel's BTF has them, so loops whose counters the verifier
# need not know exactly compile to them; a loop that compares a counter
# stepped from a constant keeps its bpf_loop callback. Both forms keep the
# language's meaning: the cap, break, return, nesting.
. "$(dirname "$0")/lib.bash"

# What the compiler chose, from the listing: "iter", "callback" or both.
forms() {
	"$KTAPC" -S "$1" -o - >"$work/forms.s" || fail "compile $1"
	local f=""
	grep -q "call bpf_iter_num_new" "$work/forms.s" && f="iter"
	grep -q "call bpf_loop" "$work/forms.s" && f="$f${f:+ }callback"
	echo "$f"
}

# Runs $work/NAME.kp with the workload making COUNT getppid calls as COMM;
# checks the loops' form and the output (stderr in $work/NAME.err).
run_loops() {	# NAME FORM COMM COUNT OUTPUT
	expect "forms" "$(forms "$work/$1.kp")" "$2"
	out=$("$KTAP" -q "$work/$1.kp" -- "$WORKLOAD" -q --comm "$3" getppid "$4" 2>"$work/$1.err") ||
		fail "run"
	expect "output" "$out" "$5"
	no_leaks
}

# run_loops, and the cap report: CAPPED loops stopped.
run_capped() {	# NAME FORM COMM COUNT OUTPUT CAPPED
	run_loops "$@"
	expect "cap report" "$(cat "$work/$1.err")" \
		"warning: $6 loops in kernel handlers were stopped at the iteration cap (100000)"
}

# A loop on a number the event brings, and a for loop: iterators only,
# with the destroy on the way out; the object loads and counts right.
t_iter_form() {
	cat >"$work/iter.kp" <<'KP'
var n = 0
trace syscalls:sys_enter_getppid /execname == "kt-iter"/ {
	var x = pid
	var b = 0
	while (x > 1) {
		x = x >> 1
		b += 1
	}
	for (i = 1, 10, 3) {
		b += i
	}
	n += b
}
trace_end { print(n > 0) }
KP
	run_loops iter iter kt-iter 3 "true"
	expect "destroys" "$(grep -c "call bpf_iter_num_destroy" "$work/forms.s")" 2
}

# Plain loops run their first 16 iterations before the iterator, then 16
# a step: sums across those boundaries, up and down, with a break, are
# exact (2 events each).
t_steps_exact() {
	cat >"$work/steps.kp" <<'KP'
var up = 0
var down = 0
var cut = 0
trace syscalls:sys_enter_getppid /execname == "kt-steps"/ {
	for (i = 1, 40) { up += i }
	for (i = 40, 1, -3) { down += i }
	for (i = 1, 1000) {
		if (i * i > 300) { break }
		cut += i
	}
}
trace_end { print(up, down, cut) }
KP
	run_loops steps iter kt-steps 2 "1640	574	306"
}

# Loops stopped by the cap are counted through the iterator form too: an
# empty while (true) and a for loop past the cap, three events each.
t_iter_cap() {
	cat >"$work/cap.kp" <<'KP'
var total = 0
trace syscalls:sys_enter_getppid /execname == "kt-icap"/ {
	var t = 0
	while (true) { }
	for (i = 1, 200000) {
		t += 1
	}
	total += t
}
trace_end { print(total) }
KP
	run_capped cap iter kt-icap 3 300000 6
}

# Nested loops with break, and a return from inside two loops of a user
# function a probe calls: each iterator destroyed on its way out.
t_iter_nested() {
	cat >"$work/nest.kp" <<'KP'
function first_over(limit) {
	for (i = 1, 1000) {
		for (j = 1, 1000, 7) {
			if (i * j > limit) {
				return i * 1000 + j
			}
		}
	}
	return -1
}
var sum = 0
var found = 0
trace syscalls:sys_enter_getppid /execname == "kt-nest"/ {
	for (i = 1, 5) {
		for (j = 1, arg0 + 100) {
			if (j > i) {
				break
			}
			sum += j
		}
	}
	found = first_over(50)
}
trace_end { print(sum, found) }
KP
	# sum over i of 1..i, twice: 2 * 35; first i*j > 50 with j in 1, 8, 15, ...: i 1, j 57
	run_loops nest iter kt-nest 2 "70	1057"
}

# A counter stepped from a constant and compared in the loop: the verifier
# would track it exactly at every iteration, so the loop stays a bpf_loop
# callback, with the same cap.
t_counter_callback() {
	cat >"$work/count.kp" <<'KP'
var total = 0
trace syscalls:sys_enter_getppid /execname == "kt-ccap"/ {
	var i = 0
	while (i < 200000) {
		i += 1
	}
	total += i
}
trace_end { print(total) }
KP
	run_capped count callback kt-ccap 2 200000 2
}

run_cases

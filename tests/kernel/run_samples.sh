# ktap's own samples that take stacks or uprobes (tests/kernel/scripts/,
# adapted only where this system differs) run for 0.3 s beside a command
# that makes their events: each exits 0 and prints what the sample prints.
# Their probes see the whole machine, so the cases check the form of the
# output and the lines of the command's own process, not other processes'.
. "$(dirname "$0")/lib.bash"
scripts=$top/tests/kernel/scripts

# sample NAME CMD...: run NAME.kp for 0.3 s with CMD; output in $work/out,
# stderr must be empty but for the counts of what the machine's load may
# make a sample lose: output records (every malloc of the machine is an
# event) and stacks (two stacks in one bucket of the stack map).
sample() {
	local name=$1 rc=0; shift
	(cd "$scripts" && "$KTAP" -q -t 0.3 "$name.kp" -- "$@") >"$work/out" 2>"$work/err" || rc=$?
	expect "$name status" $rc 0
	expect "$name stderr" "$(grep -v 'output records were lost\|stack traces were lost' "$work/err")" ""
	no_leaks
}

# uprobes and uretprobes on libc's malloc and free, by path: sh mallocs as
# it starts, and its lines show unless records were lost (and said so).
t_malloc_free() {
	sample ktap-sample-malloc_free sh -c :
	grep -vqP '^(malloc|free) (entry|exit):\t.+$' "$work/out" && fail "other lines: $(head -3 "$work/out")"
	grep -q 'output records were lost' "$work/err" && return
	grep -qP '^malloc entry:\tsh$' "$work/out" || fail "no malloc of sh"
	grep -qP '^malloc exit:\tsh$' "$work/out" || fail "no malloc return of sh"
}

# Every context switch's kernel stack: the workload's nanosleeps switch.
t_backtrace() {
	sample sample-backtrace "$WORKLOAD" -q nanosleep 5
	grep -qx '<stack trace>' "$work/out" || fail "no stack"
	grep -q '^ => __schedule+0x[0-9a-f]*$' "$work/out" || fail "no __schedule frame: $(head -5 "$work/out")"
}

# kmalloc counted by stack, printed every 60 s: in 0.3 s it only attaches,
# counts and ends cleanly.
t_kmalloc_stack() {
	sample sample-kmalloc-stack "$WORKLOAD" -q getppid 1
	expect "output" "$(cat "$work/out")" ""
}

# profile-100us by stack, printed at the end: stacks each followed by its
# count and an empty line.
t_stack_profile() {
	sample sample-stack-profile "$WORKLOAD" -q spin 100
	grep -qx '<stack trace>' "$work/out" || fail "no stack"
	grep -qx '[1-9][0-9]*' "$work/out" || fail "no count"
}

run_cases

# stack() and ustack(): kernel and user stacks of the workload, symbolized;
# as table keys; from profile; after the process has gone; depth and skip.
# User frames resolve through build ids: a held-back workload (the holder)
# maps the binary while the tables print, as a live process would.
. "$(dirname "$0")/lib.bash"

# hold: a second workload, waiting, that maps the workload's binary until
# release, or the end of the case (a failed one too).
hold() {
	local fifo=$work/hold.$BASHPID
	mkfifo "$fifo"
	"$WORKLOAD" --wait-fd 3 -q --comm kst-hold getppid 0 3<"$fifo" &
	HOLD_PID=$!
	exec {HOLD_GO}>"$fifo"
	trap release EXIT
}
release() {
	[ -n "${HOLD_PID:-}" ] || return 0
	echo x >&$HOLD_GO
	exec {HOLD_GO}>&-
	wait $HOLD_PID
	HOLD_PID=
}

# Offsets vary with the build: frames compared as symbol+OFF.
frames() { sed 's/+0x[0-9a-f]*/+OFF/g'; }

t_kernel_syscall_entry() {
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kst-k"/ { print(stack()) }' \
	-- "$WORKLOAD" -q --comm kst-k getppid 1) || fail "ktap: $out"
expect "header" "$(head -1 <<<"$out")" "<stack trace>"
grep -qx ' => do_syscall_64+0x[0-9a-f]*' <<<"$out" || fail "no do_syscall_64 frame: $out"
no_leaks
}

# leaf_and_caller SPEC COMM: ustack(2) at SPEC, while the workload (comm
# COMM) calls its stack leaf once, shows the leaf and its caller by name.
leaf_and_caller() {
hold
out=$("$KTAP" -q -e "trace $1 { print(ustack(2)) }" -- "$WORKLOAD" -q --comm "$2" stack 1) ||
	fail "ktap: $out"
release
expect "leaf and caller" "$(frames <<<"$out")" "<stack trace>
 => ktap_workload_stack_leaf+OFF ($WORKLOAD)
 => ktap_workload_stack_caller+OFF ($WORKLOAD)"
no_leaks
}

t_user_function_and_caller() { leaf_and_caller 'syscalls:sys_enter_getppid /execname == "kst-u"/' kst-u; }

# One kernel stack and one user stack, each counted exactly, printed with symbols.
t_table_key_count() {
hold
out=$("$KTAP" -q -e 'var k = {}
var u = {}
trace syscalls:sys_enter_getppid /execname == "kst-t"/ { k[stack()] += 1; u[ustack(2)] += 1 }
trace_end {
	for (s, n in pairs(k)) { print(n) }
	for (s, n in pairs(u)) { print(s, n) }
}' -- "$WORKLOAD" -q --comm kst-t stack 7) || fail "ktap: $out"
release
expect "counts" "$(frames <<<"$out")" "7
<stack trace>
 => ktap_workload_stack_leaf+OFF ($WORKLOAD)
 => ktap_workload_stack_caller+OFF ($WORKLOAD)	7"
no_leaks
}

# A tuple key of a string and a stack.
t_tuple_key() {
hold
out=$("$KTAP" -q -e 'var u = {}
trace syscalls:sys_enter_getppid /execname == "kst-x"/ { u[execname, ustack(1)] += 1 }
trace_end { print(len(u)) }' -- "$WORKLOAD" -q --comm kst-x stack 5) || fail "ktap: $out"
release
expect "one key" "$out" 1
}

# 300 ms of the workload's CPU sampled every ms: its spinning function is in
# at least one user stack; kernel stacks at every CPU print with symbols.
t_profile() {
hold
out=$("$KTAP" -q -e 'var u = {}
var k = {}
profile-1ms { k[stack()] += 1; if (execname == "kst-p") { u[ustack(3)] += 1 } }
trace_end {
	for (s, n in pairs(u)) { print(s) }
	for (s, n in pairs(k)) { print(s) }
}' -- "$WORKLOAD" -q --comm kst-p spin 300 2>"$work/p.err") || fail "ktap: $out"
release
grep -q "^ => ktap_workload_spin+0x[0-9a-f]* ($WORKLOAD)\$" <<<"$out" || fail "no spin frame: $out"
grep -q '^ => [a-z_][a-z_0-9.]*+0x[0-9a-f]*$' <<<"$out" || fail "no kernel frame: $out"
no_leaks
}

# Nothing maps the binary when the stack prints, and it is not CMD's
# program (CMD is a shell that runs it): the frames keep the file offset
# and the build id.
t_exited_unmapped() {
out=$("$KTAP" -q -e 'var u = {}
trace syscalls:sys_enter_getppid /execname == "kst-e"/ { u[ustack(1)] += 1 }
trace_end { for (s, n in pairs(u)) { print(s) } }' -- sh -c '"$0" -q --comm kst-e stack 1' "$WORKLOAD") || fail "ktap: $out"
id=$(readelf -n "$WORKLOAD" | sed -n 's/.*Build ID: //p')
expect "raw" "$(sed 's/0x[0-9a-f]* (/ADDR (/' <<<"$out")" "<stack trace>
 => ADDR (build id $id)"
}

# CMD's own program resolves after CMD exits: ktap remembers it when CMD
# starts (the usual `ktap -e '...' -- ./prog`).
t_exited_cmd_resolves() {
out=$("$KTAP" -q -e 'var u = {}
trace syscalls:sys_enter_getppid /execname == "kst-c"/ { u[ustack(1)] += 1 }
trace_end { for (s, n in pairs(u)) { print(s) } }' -- "$WORKLOAD" -q --comm kst-c stack 1) || fail "ktap: $out"
expect "resolved" "$(frames <<<"$out")" "<stack trace>
 => ktap_workload_stack_leaf+OFF ($WORKLOAD)"
}

# The process has exited before the table prints; another maps its binary.
t_exited_resolves() {
hold
out=$("$KTAP" -q -e 'var u = {}
trace syscalls:sys_enter_getppid /execname == "kst-g"/ { u[ustack(1)] += 1 }
trace_end { for (s, n in pairs(u)) { print(s) } }' -- "$WORKLOAD" -q --comm kst-g stack 1) || fail "ktap: $out"
release
expect "resolved" "$(frames <<<"$out")" "<stack trace>
 => ktap_workload_stack_leaf+OFF ($WORKLOAD)"
}

# At a uprobe on a function's first instruction the function has no frame
# yet; the kernel (6.12+) adds the caller from the return address on the
# stack, so the function and its caller both show, by name.
t_ustack_at_uprobe() { leaf_and_caller "probe:$WORKLOAD:ktap_workload_stack_leaf" kst-up; }

# depth cuts the frames; skip drops the innermost.
t_depth_skip() {
hold
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kst-d"/ {
	print(ustack(1)); print(ustack(1, 1)); print(stack(2))
}' -- "$WORKLOAD" -q --comm kst-d stack 1) || fail "ktap: $out"
release
expect "user" "$(head -4 <<<"$out" | frames)" "<stack trace>
 => ktap_workload_stack_leaf+OFF ($WORKLOAD)
<stack trace>
 => ktap_workload_stack_caller+OFF ($WORKLOAD)"
expect "kernel depth 2" "$(tail -n +5 <<<"$out" | wc -l)" 3
}

# printf's %s prints a stack as print does.
t_printf_s() {
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kst-f"/ { printf("[%s]\n", stack(1)) }' \
	-- "$WORKLOAD" -q --comm kst-f getppid 1) || fail "ktap: $out"
[[ $out =~ ^\[\<stack\ trace\>$'\n'\ =\>\ [a-z_0-9.]+\+0x[0-9a-f]+\]$ ]] || fail "printf: $out"
}

run_cases

# The script's output is never lost silently: every write is checked (a
# failing one ends the run with status 1, a reader gone with 141), it goes
# out line by line into pipes and files from both contexts, in the order it
# was made, and -o leaves a device or a fifo what it is.
. "$(dirname "$0")/lib.bash"

# A device like /dev/full of our own (never the host's files).
full_device() { [ -c "$work/full" ] || mknod "$work/full" c 1 7 || fail "mknod"; }

# print in user context to a full device: one error line, status 1.
t_full_user() {
full_device
rc=0
"$KTAP" -q -e 'print("hello")' >"$work/full" 2>"$work/err" || rc=$?
expect "status" $rc 1
expect "message" "$(cat "$work/err")" "ktap: error: writing output to standard output: No space left on device"
}

# A loop printing forever into a full device ends, with one error line.
t_full_user_loop() {
full_device
rc=0
timeout -s KILL 60 "$KTAP" -q -e 'while (true) { print("x") }' >"$work/full" 2>"$work/err" || rc=$?
expect "status" $rc 1
expect "message" "$(cat "$work/err")" "ktap: error: writing output to standard output: No space left on device"
}

# Kernel records into a full -o device: the run ends by itself, status 1
# (-t only bounds a broken run).
t_full_kernel() {
full_device
workload_bg -q --comm kt-full getppid 10
ktap_bg "$work/out" -t 60 -o "$work/full" -e 'trace syscalls:sys_enter_getppid /execname == "kt-full"/ { print("event") }'
workload_go
ktap_wait
wait $WL_PID
expect "status" $KTAP_RC 1
expect "stderr" "$(cat "$work/out.err")" "Tracing... Hit Ctrl-C to end.
ktap: error: writing output to '$work/full': No space left on device"
}

# Writing the banner or a warning to a full stderr is not a success either.
t_full_stderr() {
full_device
rc=0
"$KTAP" -e 'tick-1ms { exit() }' 2>"$work/full" || rc=$?
expect "status" $rc 1
}

# A reader that goes away (head) ends the run quietly with 141, like
# SIGPIPE in a shell pipeline; trace_end is skipped, nothing stays attached.
t_pipe_closed_user() {
out=$(timeout -s KILL 60 "$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-nothing"/ {}
tick-1ms { print("line") }
trace_end { print("end") }' 2>"$work/err" | head -1; echo "${PIPESTATUS[0]}")
expect "output and status" "$out" "line
141"
expect "stderr" "$(cat "$work/err")" ""
no_leaks
}

# The same with kernel records: more than a pipe holds, so writes go on
# after head is gone.
t_pipe_closed_kernel() {
out=$(timeout -s KILL 60 "$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-pipek"/ { print("event") }' \
	-- "$WORKLOAD" -q --comm kt-pipek getppid 100000 2>"$work/err" | head -1; echo "${PIPESTATUS[0]}")
expect "output and status" "$out" "event
141"
grep "error" "$work/err" && fail "an error for a reader gone"
no_leaks
}

# Main chunk and tick output reach a pipe while ktap runs (line buffered):
# each line is read before ktap is told to end (read -t only bounds a
# broken run: a slow tick fills no stdio buffer in that time).
t_pipe_line_buffered() {
mkfifo "$work/pipe_line_buffered.fifo"
exec {rd}<>"$work/pipe_line_buffered.fifo"
"$KTAP" -q -e 'print("main") tick-200ms { print("tick") }' >"$work/pipe_line_buffered.fifo" &
pid=$!
read -r -t 60 a <&$rd && read -r -t 60 b <&$rd || { kill -INT ${pid:-$KTAP_PID}; fail "no output while ktap runs"; }
kill -INT $pid
wait $pid || fail "status $?"
expect "lines" "$a $b" "main tick"
}

# Kernel records reach a pipe while ktap runs.
t_pipe_line_buffered_kernel() {
mkfifo "$work/pipe_line_buffered_kernel.fifo"
exec {rd}<>"$work/pipe_line_buffered_kernel.fifo"
workload_bg -q --comm kt-lineb getppid 1
ktap_bg "$work/pipe_line_buffered_kernel.fifo" -e 'trace syscalls:sys_enter_getppid /execname == "kt-lineb"/ { print("event") }'
workload_go
read -r -t 60 a <&$rd || { kill -INT ${pid:-$KTAP_PID}; fail "no output while ktap runs"; }
kill -INT $KTAP_PID
ktap_wait
expect "line" "$a" event
expect "status" $KTAP_RC 0
}

# -o FIFO: written line by line, and the fifo stays a fifo.
t_o_fifo() {
mkfifo "$work/o_fifo.fifo"
exec {rd}<>"$work/o_fifo.fifo"
"$KTAP" -q -o "$work/o_fifo.fifo" -e 'tick-200ms { print("tick") }' &
pid=$!
read -r -t 60 a <&$rd || { kill -INT ${pid:-$KTAP_PID}; fail "no output while ktap runs"; }
kill -INT $pid
wait $pid || fail "status $?"
expect "line" "$a" tick
[ -p "$work/o_fifo.fifo" ] || fail "the fifo is not a fifo any more"
}

# -o DEVICE: written, not replaced or truncated.
t_o_char_device() {
mknod "$work/null" c 1 3 || fail "mknod"
"$KTAP" -q -o "$work/null" -e 'print("x")' || fail "status $?"
[ -c "$work/null" ] || fail "the device is not a device any more"
}

# -o FILE: a regular file is truncated, as asked.
t_o_regular_truncated() {
echo "a longer old content" >"$work/file"
"$KTAP" -q -o "$work/file" -e 'print("new")' || fail "status $?"
expect "file" "$(cat "$work/file")" new
}

# Main chunk and kernel output in the order they were made: the table
# update is a bpf() system call of ktap's own (-p: only ktap's events), whose
# record comes between the two prints.
t_order_main_kernel() {
out=$(sh -c 'exec "$0" -q -p $$ -e "trace syscalls:sys_enter_bpf /arg1 == 2/ { print(\"kernel\") }
var t = {}
print(\"before\")
t[1] = 1
print(\"after\")
exit()"' "$KTAP") || fail "status $?"
expect "order" "$out" "before
kernel
after"
}

# stringof() of a number is its decimal text, in a probe as in user
# space (it used to be an internal compiler error); of a string, the string.
t_stringof() {
	expect "user" "$("$KTAP" -e 'var n = -42
print(stringof(n) .. "!", stringof("s"), len(stringof(12345)))')" "-42!	s	5"
	expect "probe" "$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-strof"/ {
	print(stringof(arg0) .. "!", stringof(pid) == stringof(tid))
}' -- "$WORKLOAD" -q --comm kt-strof getppid 1)" "110!	true"
}

run_cases

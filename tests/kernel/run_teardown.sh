# Teardown never hangs and says what happened: a CMD that cannot run is
# refused before anything attaches, ktap exits with CMD's status when CMD
# ended the run, a CMD that ignores SIGTERM is killed after the grace
# period, and a second SIGINT ends ktap at once.
. "$(dirname "$0")/lib.bash"

# The main chunk prints and attaches, trace_end prints: neither may happen
# when CMD cannot run. Not -q: there must be no banner either.
script='print("main") trace syscalls:sys_enter_getppid /execname == "kt-none"/ {} trace_end { print("end") }'

# cmd_refused CMD MESSAGE: ktap refuses CMD with MESSAGE alone, status 1.
cmd_refused() {
rc=0
out=$("$KTAP" -e "$script" -- "$1" 2>"$work/err") || rc=$?
expect "status" $rc 1
expect "stdout" "$out" ""
expect "stderr" "$(cat "$work/err")" "$2"
no_leaks
}

t_cmd_missing() {
cmd_refused /no/such/cmd "ktap: error: cannot run '/no/such/cmd': No such file or directory"
}

t_cmd_not_in_path() {
cmd_refused no-such-ktap-cmd "ktap: error: cannot run 'no-such-ktap-cmd': No such file or directory"
}

t_cmd_not_executable() {
echo 'exit 0' >"$work/notexec"
chmod 644 "$work/notexec"
cmd_refused "$work/notexec" "ktap: error: cannot run '$work/notexec': Permission denied"
}

# cmd_status WANT CMD...: ktap's status is CMD's, and trace_end ran.
cmd_status() {
local want=$1 rc=0; shift
out=$("$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-none"/ {} trace_end { print("end") }' -- "$@") || rc=$?
expect "status" $rc "$want"
expect "trace_end" "$out" end
no_leaks
}

t_cmd_status_0() { cmd_status 0 true; }
t_cmd_status_3() { cmd_status 3 sh -c 'exit 3'; }
t_cmd_status_signal() { cmd_status 143 sh -c 'kill -TERM $$'; }

# exit() in a probe ends the run while CMD, which ignores SIGTERM, runs on:
# it is killed after the grace period, reaped, and ktap's status is its own.
t_cmd_ignores_sigterm() {
rc=0
out=$(timeout -s KILL 60 "$KTAP" -q -e 'trace syscalls:sys_enter_getppid /execname == "kt-term"/ { exit() }
trace_end { print("end") }' -- sh -c 'echo $$ >"$1"; trap "" TERM; "$2" -q --comm kt-term getppid 1; exec sleep 1000' \
	sh "$work/cmd.pid" "$WORKLOAD") || rc=$?
expect "status" $rc 0
expect "trace_end" "$out" end
kill -0 "$(cat "$work/cmd.pid")" 2>/dev/null && fail "CMD is still there"
no_leaks
}

# A second SIGINT while trace_end runs forever: ktap says what it skips
# and ends at once, 128 + SIGINT, with nothing left attached.
t_second_sigint() {
mkfifo "$work/end.fifo"
exec {rd}<>"$work/end.fifo"
ktap_bg "$work/end.fifo" -e 'trace syscalls:sys_enter_getppid /execname == "kt-none"/ {}
trace_end { print("in trace_end") while (true) {} }'
kill -INT $KTAP_PID
read -r -t 60 line <&$rd || { kill -KILL $KTAP_PID; fail "trace_end did not run"; }
expect "trace_end" "$line" "in trace_end"
kill -INT $KTAP_PID
ktap_wait
expect "status" $KTAP_RC 130
expect "stderr" "$(cat "$work/end.fifo.err")" "Tracing... Hit Ctrl-C to end.
ktap: second interrupt: skipping trace_end and output, detaching"
}

run_cases

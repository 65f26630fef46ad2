# The end of a run: handlers stop at once (BSS_EXIT), the answer (kernel
# output, trace_end, the report) comes out, and only then are the links
# released. The window between the stop and the release is made certain,
# not timed: a CMD that makes its calls when ktap ends it, which ktap does
# after the stop and before trace_end.
. "$(dirname "$0")/lib.bash"

# A CMD that makes 1000 getppid calls, and 1000 more when SIGTERM comes.
stop_cmd() {
	cat >"$work/cmd.sh" <<END
trap '"$WORKLOAD" -q --comm $1 getppid 1000; kill \$!; exit 0' TERM
"$WORKLOAD" -q --comm $1 getppid 1000
sleep infinity &
wait
END
}

# exit() at the 500th event: the 1500 calls after it are not counted.
t_count_stops_at_exit() {
stop_cmd kt-stopn
out=$("$KTAP" -q -e 'var n = 0
trace syscalls:sys_enter_getppid /execname == "kt-stopn"/ { n += 1 if (n == 500) { exit() } }
trace_end { print(n) }' -- bash "$work/cmd.sh") || fail "status $?"
expect "count" "$out" 500
no_leaks
}

# The same in a table, from 2 events of one handler: the call whose entry
# ended the run is not counted at its exit.
t_table_stops_at_exit() {
stop_cmd kt-stopt
out=$("$KTAP" -q -e 'var s = {}
trace syscalls:sys_enter_getppid, syscalls:sys_exit_getppid /execname == "kt-stopt"/ {
	s[probename] += 1 if (s[probename] == 300) { exit() } }
trace_end { print(s["sys_enter_getppid"], s["sys_exit_getppid"]) }' -- bash "$work/cmd.sh") || fail "status $?"
expect "table" "$out" "300	299"
no_leaks
}

# Kernel output stops at exit() too, and all of it comes before trace_end's.
t_print_stops_at_exit() {
stop_cmd kt-stopp
"$KTAP" -q -e 'var n = 0
trace syscalls:sys_enter_getppid /execname == "kt-stopp"/ { n += 1 printf("%d\n", n) if (n == 200) { exit() } }
trace_end { print("end") }' -- bash "$work/cmd.sh" >"$work/out" || fail "status $?"
expect "lines" "$(cat "$work/out")" "$(seq 200; echo end)"
no_leaks
}

# trace_end's output and the report are out before the links are released
# (-v says when it releases them).
t_answer_before_release() {
"$KTAP" -v -e 'var s = {} trace syscalls:sys_enter_getppid, syscalls:sys_exit_getppid { s[cpu] += 1 }
trace_end { print("end") }' -- true >"$work/out" 2>&1 || fail "status $?"
expect "order" "$(grep -E '^end$|releasing' "$work/out")" "end
ktap: releasing 2 links"
no_leaks
}

# -t ends the run the same way: trace_end, then the release.
t_timeout_answer_first() {
"$KTAP" -v -t 0.1 -e 'trace syscalls:sys_enter_getppid { }
trace_end { print("end") }' >"$work/out" 2>&1 || fail "status $?"
expect "order" "$(grep -E '^end$|releasing' "$work/out")" "end
ktap: releasing 1 links"
no_leaks
}

# A flood that never lets the ring buffer run dry (each line ktap writes
# is a traced write that prints another line) still ends at -t: records
# are formatted a batch at a time between the run loop's other events.
t_flood_ends_at_deadline() {
timeout 60 sh -c 'exec "$0" -q -o "$1" -t 0.2 -p $$ -e "trace syscalls:sys_enter_write { print(\"again\") }
print(\"start\")"' "$KTAP" "$work/flood.out" || fail "status $?"
expect "first line" "$(head -1 "$work/flood.out")" start
[ "$(grep -c '^again$' "$work/flood.out")" -gt 1024 ] || fail "the flood stopped by itself: $(wc -l <"$work/flood.out") lines"
no_leaks
}

# A second Ctrl-C while links are released ends ktap at once; the kernel
# releases the rest: nothing stays loaded. (If the release is over before
# the signals come, ktap has exited already: the same check holds.)
t_interrupt_during_release() {
local fifo=$work/rel.err line fd rc=0
mkfifo "$fifo"
"$KTAP" -v -e 'trace syscalls:sys_enter_get* { } trace_end { print("end") }' -- true >"$work/out" 2>"$fifo" &
local pid=$!
exec {fd}<"$fifo"
while IFS= read -r line <&$fd; do
	[[ $line == "ktap: releasing"* ]] && break
done
kill -INT $pid 2>/dev/null
kill -INT $pid 2>/dev/null
cat <&$fd >/dev/null
exec {fd}<&-
wait $pid || rc=$?
[ $rc = 0 ] || [ $rc = 130 ] || fail "status $rc"
expect "trace_end" "$(cat "$work/out")" end
no_leaks
}

# SIGKILL in the middle of attaching `*:*` (~1,600 raw tracepoint links,
# a syscall dispatch and a few perf-event tracepoints): the kernel releases
# what the process held, nothing stays loaded. ktap -v writes a line per
# link to a pipe we read slowly, so after 100 lines it is certainly still
# attaching (the pipe holds a few hundred more at most).
t_sigkill_during_attach() {
local fifo=$work/att.err line fd n=0 rc=0
mkfifo "$fifo"
"$KTAP" -v -q -e 'var n = 0
trace *:* { n += 1 }' >/dev/null 2>"$fifo" &
local pid=$!
exec {fd}<"$fifo"
while ((n < 100)) && IFS= read -r line <&$fd; do
	[[ $line == "ktap: attached "* ]] && n=$((n + 1))
done
expect "links attached before the kill" $n 100
kill -KILL $pid
cat <&$fd >/dev/null
exec {fd}<&-
wait $pid || rc=$?
expect "status" $rc 137
no_leaks
}

run_cases

# Wide globs of other tracepoints as one raw tracepoint program attached per
# event with a cookie (ir/lower_rawtp.c): the same events and counts as
# the perf-event tracepoints, on the workload's own thread creation.
. "$(dirname "$0")/lib.bash"

# attach SCRIPT: ktap -v's attach lines for SCRIPT, run for 10 ms, in $work/v.err.
attach() {
	"$KTAP" -v -q -t 0.01 -e "$1" >/dev/null 2>"$work/v.err" || fail "ktap -v: $(tail -1 "$work/v.err")"
}

# The workload with 2 threads, seen by a handler on 9 events (task:* and
# sched:sched_process_*, sched_wakeup_new) counted by probename: each
# thread is created (task_newtask, sched_process_fork) and woken
# (sched_wakeup_new) by the main thread, and every thread exits
# (sched_process_exit, 3 with the main thread).
t_counts() {
	out=$("$KTAP" -q -e 'var s = {}
	trace task:*, sched:sched_process_*, sched:sched_wakeup_new /execname == "kt-raw1"/ { s[probename] += 1 }
	trace_end { print(s["task_newtask"], s["sched_process_fork"], s["sched_wakeup_new"], s["sched_process_exit"]) }' \
		-- "$WORKLOAD" -q --comm kt-raw1 --threads 2 getppid 1) || fail "ktap"
	expect "counts by probename" "$out" "2	2	2	3"
	no_leaks
}

# Exact counts in a global and a table from a body that reads pid, tid,
# cpu and uid: no builtin reads the record.
t_builtins() {
	out=$("$KTAP" -q -e 'var n = 0
	var s = {}
	trace task:*, sched:sched_process_*, sched:sched_wakeup_new /execname == "kt-raw2" && probename == "task_newtask"/ {
		n += 1
		s[pid == tid, uid, cpu >= 0] += 1
	}
	trace_end { print(n, s[true, 0, true]) }' -- "$WORKLOAD" -q --comm kt-raw2 --threads 2 getppid 1) || fail "ktap"
	expect "global and table" "$out" "2	2"
	no_leaks
}

# -v: one program, a raw tracepoint link per event, cookies 0..n-1 in the
# order of the events.
t_verbose() {
	attach 'trace sched:* { }'
	local n
	n=$(ls -d /sys/kernel/tracing/events/sched/*/ | wc -l)
	expect "raw links" "$(grep -c '^ktap: attached trace1_raw to raw tracepoint sched:' "$work/v.err")" "$n"
	expect "first cookie" "$(grep -m1 -o 'with cookie [0-9]*$' "$work/v.err")" "with cookie 0"
	expect "last cookie" "$(grep 'with cookie' "$work/v.err" | tail -1 | grep -o 'cookie [0-9]*$')" "cookie $((n - 1))"
	expect "perf-event tracepoints" "$(grep -c 'to sched:' "$work/v.err")" 0
	no_leaks
}

# A handler that reads the record (argstr here) keeps one tracepoint per event: raw
# tracepoint arguments are not the record's fields.
t_fields_per_event() {
	attach 'trace sched:* { print(argstr) }'
	expect "raw links" "$(grep -c 'raw tracepoint' "$work/v.err")" 0
	expect "tracepoint of sched_switch" "$(grep -c 'to sched:sched_switch$' "$work/v.err")" 1
	no_leaks
}

# Under the threshold (8 events), a glob keeps its tracepoints.
t_few_events() {
	attach 'trace task:* { }'
	expect "raw links" "$(grep -c 'raw tracepoint' "$work/v.err")" 0
	expect "tracepoint of task_newtask" "$(grep -c 'to task:task_newtask$' "$work/v.err")" 1
	no_leaks
}

# file_offset BINARY SYMBOL: where SYMBOL's code is in the file (what a
# uprobe takes), from its address and the program header that maps it.
file_offset() {
	local addr type off va pa fsz rest
	addr=$(nm "$1" | awk -v s="$2" '$3 == s { print $1 }')
	[ -n "$addr" ] || fail "no symbol $2 in $1"
	addr=$((16#$addr))
	while read -r type off va pa fsz rest; do
		[ "$type" = LOAD ] && ((addr >= va && addr < va + fsz)) &&
			printf '0x%x\n' $((addr - va + off))
	done < <(readelf -lW "$1")
}

# A dynamic event (a uprobe made through tracefs's uprobe_events, here on
# the workload's thread function) is a probe, not a tracepoint: a glob
# leaves it out (its perf event would refuse a tracepoint program), the
# other events it matches are traced as usual.
t_dynamic_event() {
	local group=task_ktap$$ off
	off=$(file_offset "$WORKLOAD" thread)
	echo "p:$group/wl_thread $WORKLOAD:$off" >>/sys/kernel/tracing/uprobe_events || fail "uprobe_events"
	trap "echo '-:$group/wl_thread' >>/sys/kernel/tracing/uprobe_events" EXIT
	out=$("$KTAP" -v -q -e 'var s = {}
	trace task*:* /execname == "kt-raw3"/ { s[probename] += 1 }
	trace_end { print(s["task_newtask"], s["wl_thread"]) }' \
		-- "$WORKLOAD" -q --comm kt-raw3 --threads 2 getppid 1 2>"$work/v.err") || fail "ktap: $(tail -1 "$work/v.err")"
	expect "counts" "$out" "2	nil"
	expect "attached to the dynamic event" "$(grep -c "wl_thread" "$work/v.err")" 0
	"$KTAP" -q -e "trace $group:wl_thread { }" 2>"$work/err" && fail "traced a dynamic event"
	grep -q "matches only probe events made through tracefs's dynamic_events" "$work/err" ||
		fail "error: $(head -1 "$work/err")"
	no_leaks
}

run_cases

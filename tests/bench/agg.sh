#!/usr/bin/env bash
# Per-event cost of recording into an aggregation, `t[k] <<< v`, against a
# plain `t[k] += v` and bpftrace's `@[k] = stats(v)` and `@[k] = hist(v)`,
# on the same events: the workload's write()s of sizes 1..65536 (the value
# recorded), from the kernel's own counters (kernel.bpf_stats_enabled:
# run_time_ns / run_cnt of the tracepoint programs each tool loaded).
# Usage: tests/bench/agg.sh [ROUNDS]   (ROUNDS x 65536 writes, default 8)
. "$(dirname "$0")/lib.bash"
rounds=${1:-8}

bpf_stats_on

writes=()
for ((i = 0; i < rounds; i++)); do writes+=(write-sizes 65536); done

# ktap SCRIPT: ns per event while the workload writes.
ktap_cost() {
	ktap_bg "$work/k.out" -e "$1"
	"$WORKLOAD" -q --comm kt-bench "${writes[@]}"
	prog_ns $KTAP_PID tracepoint
	kill -INT $KTAP_PID
	ktap_wait
}

# bpftrace PROGRAM: the same; its BEGIN probe fires once every probe is
# attached, so the line it prints says the run can start.
bpftrace_cost() {
	local fifo=$work/bt.fifo pid fd line
	mkfifo "$fifo"
	bpftrace -B line -e "BEGIN { printf(\"ready\\n\"); } $1" >"$fifo" 2>"$work/bt.err" &
	pid=$!
	exec {fd}<"$fifo"
	while IFS= read -r line <&$fd && [[ $line != ready ]]; do :; done
	"$WORKLOAD" -q --comm kt-bench "${writes[@]}"
	prog_ns $pid tracepoint
	kill -INT $pid
	cat <&$fd >/dev/null
	exec {fd}<&-
	wait $pid || true
	rm -f "$fifo"
}

tp='syscalls:sys_exit_write /execname == "kt-bench"/'
bt='tracepoint:syscalls:sys_exit_write /comm == "kt-bench"/'
agg=$(ktap_cost "var t = {} trace $tp { t[execname] <<< arg1 }")
add=$(ktap_cost "var t = {} trace $tp { t[execname] += arg1 }")
stats=$(bpftrace_cost "$bt { @[comm] = stats(args->ret); }")
hist=$(bpftrace_cost "$bt { @[comm] = hist(args->ret); }")
printf 'write-sizes x %d (%d events), one run, ns per program run (run_time_ns / run_cnt)\n' \
	"$rounds" $((rounds * 65536))
printf '  ktap t[k] += v                %7.1f  (1.00x)\n' "$add"
printf '  ktap t[k] <<< v               %7.1f  (%.2fx)\n' "$agg" "$(echo "$agg / $add" | bc -l)"
printf '  bpftrace @[k] = stats(v)      %7.1f  (%.2fx)\n' "$stats" "$(echo "$stats / $add" | bc -l)"
printf '  bpftrace @[k] = hist(v)       %7.1f  (%.2fx)\n' "$hist" "$(echo "$hist / $add" | bc -l)"

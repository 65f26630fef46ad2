#!/usr/bin/env bash
# Per-call cost of an empty uprobe on the workload's ktap_workload_probe,
# ktap and bpftrace side by side in one run: the kernel's own counters of
# the program (run_time_ns / run_cnt with kernel.bpf_stats_enabled=1: the
# BPF program alone) and the workload's wall-clock time per call with and
# without the probe (the whole uprobe: trap, context, program). Best of
# RUNS for the wall clock; the counters are summed over the runs.
# Usage: tests/bench/uprobe.sh [N [RUNS]]   (default 200000, 5)
. "$(dirname "$0")/lib.bash"
n=${1:-200000}
runs=${2:-5}
fn=ktap_workload_probe

bpf_stats_on

best() { best_ns --comm kt-ubench call; }	# ns per call of the workload

# probed PID: return once a call of the function runs PID's program (a
# tracer may say it attaches before the uprobe is in place).
probed() {
	local s i
	for ((i = 0; i < 100; i++)); do
		"$WORKLOAD" -q --comm kt-ubench call 1
		s=($(prog_stats "$1"))
		[ "${s[0]}" -eq 0 ] || return 0
		sleep 0.1
	done
	fail "the uprobe of pid $1 never ran"
}

base=$(best)

ktap_bg "$work/k.out" -e "trace probe:$WORKLOAD:$fn { }"
probed $KTAP_PID
k_wall=$(best)
k_prog=$(prog_ns $KTAP_PID)
kill -INT $KTAP_PID
ktap_wait

bpftrace -e "uprobe:$WORKLOAD:$fn { }" >"$work/b.out" 2>&1 &
bt=$!
until grep -q '^Attaching' "$work/b.out"; do
	kill -0 $bt 2>/dev/null || fail "bpftrace ended: $(cat "$work/b.out")"
	sleep 0.1
done
probed $bt
b_wall=$(best)
b_prog=$(prog_ns $bt)
kill -INT $bt
wait $bt || true

printf 'empty uprobe on %s, %d calls, best of %d runs (ns per call)\n' "$fn" "$n" "$runs"
printf '               program  workload wall clock\n'
printf '  no probe           -  %7.1f\n' "$base"
printf '  ktap         %7.1f  %7.1f  (+%.1f)\n' "$k_prog" "$k_wall" "$(echo "$k_wall - $base" | bc -l)"
printf '  bpftrace     %7.1f  %7.1f  (+%.1f)\n' "$b_prog" "$b_wall" "$(echo "$b_wall - $base" | bc -l)"

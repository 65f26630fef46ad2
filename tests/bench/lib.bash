# What the benchmarks share, sourced first (`. "$(dirname "$0")/lib.bash"`):
# the repository as the working directory, tests/kernel/lib.bash (ktap, the
# workload, $work), the workload timed per call, and the kernel's own
# run-time counters of the BPF programs a tracer holds.
set -eu
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
. tests/kernel/lib.bash

# best_ns ARGS...: ns per call of `workload -q ARGS $n`, the best of $runs.
best_ns() {
	local b= t s i
	for ((i = 0; i < runs; i++)); do
		s=$(date +%s%N)
		"$WORKLOAD" -q "$@" "$n"
		t=$(( $(date +%s%N) - s ))
		[ -z "$b" ] || [ $t -lt $b ] || continue
		b=$t
	done
	echo "$b / $n" | bc -l
}

# bpf_stats_on: the kernel counts run time per program (kernel.bpf_stats_enabled)
# until the script exits, then goes back to what it was. Not for wall-clock
# figures: counting costs every program run some time.
bpf_stats_on() {
	stats_old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q kernel.bpf_stats_enabled=1
	trap 'sysctl -q kernel.bpf_stats_enabled=$stats_old; rm -rf "$work"' EXIT
}

# prog_stats PID [TYPE]: "RUNS NS" of the programs PID holds (of bpftool's
# type TYPE only, when given): their runs, and run_time_ns / run_cnt over
# them (0 when none ran), as the kernel counted them.
prog_stats() {
	local id
	for id in $(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u); do
		bpftool prog show id "$id" -j
		echo
	done | python3 -c '
import json, sys
want = sys.argv[1]
t = c = 0
for line in sys.stdin:
    if line.strip():
        p = json.loads(line)
        if not want or p.get("type") == want:
            t += p.get("run_time_ns", 0); c += p.get("run_cnt", 0)
print(c, "%.1f" % (t / c if c else 0))' "${2:-}"
}

# prog_ns PID [TYPE]: the NS of prog_stats.
prog_ns() { local s; s=($(prog_stats "$@")); echo "${s[1]}"; }

# prog_insns PID: instructions of the programs PID holds, as the verifier
# kept them (bytes_xlated / 8).
prog_insns() {
	local id
	for id in $(sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$1"/fdinfo/* 2>/dev/null | sort -u); do
		bpftool prog show id "$id" -j
		echo
	done | python3 -c '
import json, sys
print(sum(json.loads(l).get("bytes_xlated", 0) // 8 for l in sys.stdin if l.strip()))'
}

# getppid_cost SCRIPT: "NS INSNS" of the programs ktap loads for SCRIPT,
# while the workload (comm kt-bench) makes $n getppid calls: NS (prog_ns)
# the best of $runs, INSNS (prog_insns) of the last.
getppid_cost() {
	local best= i ns insns
	for ((i = 0; i < runs; i++)); do
		ktap_bg "$work/cost.out" -e "$1"
		"$WORKLOAD" -q --comm kt-bench getppid "$n"
		ns=$(prog_ns $KTAP_PID)
		insns=$(prog_insns $KTAP_PID)
		kill -INT $KTAP_PID
		ktap_wait
		if [ -z "$best" ] || [ "$(echo "$ns < $best" | bc)" = 1 ]; then best=$ns; fi
	done
	echo "$best $insns"
}

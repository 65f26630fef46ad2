#!/usr/bin/env bash
# Per-call cost of tracing getppid: the workload makes N getppid calls
# with no tracing, with an empty program on sys_enter_getppid, and with
# `var s = {} trace syscalls:sys_enter_getppid { s[execname] += 1 }`;
# prints the best of RUNS for each, in ns per call, and the ratios.
# Usage: tests/bench/overhead.sh [N [RUNS]]   (default 2000000, 5)
. "$(dirname "$0")/lib.bash"
n=${1:-2000000}
runs=${2:-5}

best() { best_ns --comm kt-ovh getppid; }	# ns per call of the workload

traced() {	# a script; the workload's cost while it runs
	ktap_bg "$work/ovh.out" -e "$1"
	best
	kill -INT $KTAP_PID
	ktap_wait
}

base=$(best)
empty=$(traced 'trace syscalls:sys_enter_getppid { }')
table=$(traced 'var s = {} trace syscalls:sys_enter_getppid { s[execname] += 1 }')
printf 'getppid, %d calls, best of %d runs (ns per call)\n' "$n" "$runs"
printf '  no tracing        %7.1f\n' "$base"
printf '  empty program     %7.1f  (%.2fx; +%.1f ns)\n' "$empty" "$(echo "$empty / $base" | bc -l)" "$(echo "$empty - $base" | bc -l)"
printf '  s[execname] += 1  %7.1f  (%.2fx; +%.1f ns over the empty program)\n' "$table" \
	"$(echo "$table / $base" | bc -l)" "$(echo "$table - $empty" | bc -l)"

#!/usr/bin/env bash
# Time from the start of `ktap -e '<one-liner>'` to its first event
# delivered, next to the same for the equivalent `bpftrace -e`, alternating
# in one run. A workload makes 1-microsecond nanosleep calls the whole time (busy enough
# that the first event comes at once, idle enough to leave the CPUs free); each
# one-liner prints on the first of its calls and exits.
# Usage: tests/bench/startup.sh [RUNS]   (default 11; prints medians in ms)
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-11}
BUILD=${BUILD:-build}
command -v bpftrace >/dev/null || { echo "bpftrace is not installed"; exit 1; }
"$BUILD"/tests/tools/workload -q --comm kt-bench nanosleep 1000000000 &
wl=$!
trap 'kill $wl 2>/dev/null; wait $wl 2>/dev/null' EXIT

first_event() {	# a command; prints microseconds until it printed "first"
	local s=$(date +%s%N) line
	while IFS= read -r line; do
		[ "$line" = first ] && break
	done < <("$@" 2>/dev/null)
	[ "$line" = first ] || { echo "no event from $*" >&2; exit 1; }
	echo $(( ($(date +%s%N) - s) / 1000 ))
}

k=() b=()
for ((i = 0; i < runs; i++)); do
	k+=($(first_event ./ktap -q -e 'trace syscalls:sys_enter_nanosleep /execname == "kt-bench"/ { print("first") exit() }'))
	b+=($(first_event bpftrace -e 'tracepoint:syscalls:sys_enter_nanosleep /comm == "kt-bench"/ { printf("first\n"); exit(); }'))
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
km=$(median "${k[@]}") bm=$(median "${b[@]}")
printf 'start to first event, median of %d runs\n' "$runs"
printf '  ktap      %8.1f ms\n' "$(echo "$km / 1000" | bc -l)"
printf '  bpftrace  %8.1f ms\n' "$(echo "$bm / 1000" | bc -l)"
printf '  bpftrace / ktap: %.1fx\n' "$(echo "$bm / $km" | bc -l)"

#!/usr/bin/env bash
# Median wall-clock time of `ktapc EXAMPLE -o /dev/null` for every example,
# next to the median time of `true` (process start-up) measured in the same
# run, so the numbers can be read as a difference on a noisy machine.
# Usage: tests/bench/compile_time.sh [RUNS]   (default 51)
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-51}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

median() {	# a command; prints the median of its run time in microseconds
	local t=()
	for ((i = 0; i < runs; i++)); do
		local s=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t+=($(( ($(date +%s%N) - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

base=$(median /bin/true)
printf '%-32s %10s %10s\n' "script" "median us" "minus true"
printf '%-32s %10s %10s\n' "(/bin/true)" "$base" 0
for kp in examples/*.kp; do
	m=$(median ./ktapc "$kp" -o "$out")
	printf '%-32s %10s %10s\n' "$(basename "$kp")" "$m" "$((m - base))"
done

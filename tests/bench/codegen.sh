#!/usr/bin/env bash
# Generated code against clang -O2 (issue 12): for each script of
# tests/bench/codegen/ (NAME.kp, its hand-written C NAME.bpf.c and its
# bpftrace NAME.bt), the instructions the verifier kept (xlated, summed over
# the script's programs) of ktap and clang, and the kernel's run time per
# program run (kernel.bpf_stats_enabled: run_time_ns / run_cnt) of ktap,
# clang's C (loaded by codegen/loader.c) and bpftrace while the workload
# drives the script's events. Each round runs the three tools one after the
# other on every script, starting with a different tool each round; the
# figure is the median of ROUNDS rounds. "above floor" is (ns - F) / (clang's
# ns - F), F being clang's empty program: the cost of the work itself, taken
# within each round (the machine's speed drifts between rounds) and given as
# the median of the rounds' ratios.
# Usage: [CODEGEN_SCRIPTS="NAME..."] tests/bench/codegen.sh [N [ROUNDS]]   (about N events a run;
# default 200000, 5)
. "$(dirname "$0")/lib.bash"
n=${1:-200000}
rounds=${2:-5}
dir=tests/bench/codegen
# CODEGEN_SCRIPTS="printf latency" measures only those (and empty, the floor)
names=(empty ${CODEGEN_SCRIPTS:-global table latency printf hist twokey filter loop func})

# Counting run time costs every program run a little: on only while we
# measure, off at the end whatever happens, and nothing of ours left loaded.
sysctl -q kernel.bpf_stats_enabled=1
held=
finish() {
	if [ -n "$held" ]; then kill -INT $held 2>/dev/null && wait $held || true; fi
	sysctl -q kernel.bpf_stats_enabled=0
	rm -rf "$work"
}
trap finish EXIT

# The workload's actions that fire NAME's events, about $n of them
# (nanosleep is slow: fewer; write-sizes goes by 65536).
actions() {
	case $1 in
	latency | printf) echo nanosleep $((n / 20)) ;;
	hist | loop | func)
		local i
		for ((i = 0; i < (n + 65535) / 65536; i++)); do echo write-sizes 65536; done ;;
	twokey) echo openat-fail "$n" ;;
	*) echo getppid "$n" ;;
	esac
}

# The C: vmlinux.h of the running kernel, each object, the loader.
bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$work/vmlinux.h"
for name in "${names[@]}"; do
	clang -O2 -g -target bpf -I"$work" -I"$dir" -c "$dir/$name.bpf.c" -o "$work/$name.o"
done
cc -O2 -o "$work/loader" "$dir/loader.c" -lbpf

# measure PID: the tracepoint programs PID holds once the workload ran
# NAME's actions: GOT_NS per run and GOT_INSNS; fails when none of them ran.
# (In this shell, not in $(...): a failure must reach the EXIT trap, which
# ends the tool still holding its programs.)
measure() {
	"$WORKLOAD" -q --comm kt-bench $(actions "$name")
	local s
	s=($(prog_stats "$1" tracepoint))
	[ "${s[0]}" -gt 0 ] || fail "$tool $name: its programs never ran"
	GOT_NS=${s[1]}
	GOT_INSNS=$(prog_insns "$1")
}

# ready_bg CMD...: start CMD, stdout through a fifo; return once it printed
# "ready" (its programs are attached), the rest of its output dropped.
ready_bg() {
	local fifo=$work/ready.fifo line fd
	rm -f "$fifo"
	mkfifo "$fifo"
	"$@" >"$fifo" 2>"$work/$tool.err" &
	held=$!
	exec {fd}<"$fifo"
	while IFS= read -r line <&$fd && [[ $line != ready ]]; do :; done
	[[ $line == ready ]] || fail "$tool $name did not start: $(tail -3 "$work/$tool.err")"
	cat <&$fd >/dev/null &
	exec {fd}<&-
}

# run_ktap, run_clang, run_bpftrace: measure NAME under each tool.
run_ktap() {
	ktap_bg "$work/ktap.out" "$dir/$name.kp"
	held=$KTAP_PID
	measure $KTAP_PID
	kill -INT $KTAP_PID
	ktap_wait
	held=
	[ $KTAP_RC = 0 ] || fail "ktap $name exited $KTAP_RC: $(tail -3 "$work/ktap.out.err")"
}
run_clang() {
	ready_bg "$work/loader" "$work/$name.o"
	measure $held
	kill -INT $held
	wait $held || fail "loader $name exited $?: $(tail -3 "$work/$tool.err")"
	held=
}
# interrupt PID: SIGINT, sent again each 5 s while PID runs (bpftrace has
# been seen to miss one and wait on for good); a child that ended stays a
# zombie until waited for
interrupt() {
	local i st
	for ((i = 0; ; i++)); do
		((i % 50)) || kill -INT "$1" 2>/dev/null || return 0
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || true
		[[ -n $st && $st != Z ]] || return 0
		sleep 0.1
	done
}
run_bpftrace() {
	{ echo 'BEGIN { printf("ready\n"); }'; cat "$dir/$name.bt"; } >"$work/bt.bt"
	ready_bg bpftrace -B line "$work/bt.bt"
	measure $held
	interrupt $held
	wait $held || fail "bpftrace $name exited $?: $(tail -3 "$work/$tool.err")"
	held=
}

tools=(ktap clang bpftrace)
declare -A ns insns
for ((r = 0; r < rounds; r++)); do
	for name in "${names[@]}"; do
		for ((t = 0; t < 3; t++)); do
			tool=${tools[(r + t) % 3]}
			run_$tool
			ns[$tool.$name]+="$GOT_NS "
			ns[$tool.$name.$r]=$GOT_NS
			insns[$tool.$name]=$GOT_INSNS
		done
	done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
floor=$(median "${ns[clang.empty]}")
# over TOOL: the median over the rounds of TOOL's time above the floor in
# units of clang's, both against the round's own floor
over() {
	[ $name = empty ] && { echo -; return; }
	local r v=
	for ((r = 0; r < rounds; r++)); do
		v+="$(echo "${ns[clang.$name.$r]} ${ns[$1.$name.$r]} ${ns[clang.empty.$r]}" |
			awk '{printf "%.4f", ($2 - $3) / ($1 - $3)}') "
	done
	printf '%.2f' "$(median "$v")"
}

printf '%d rounds of about %d events per script and tool; ns per program run, median of the rounds; above floor: median of the per-round ratios\n' "$rounds" "$n"
printf '%-8s %8s %8s %6s  %8s %8s %8s  %11s %11s\n' script 'ktap' 'clang' 'ratio' 'ktap ns' 'clang ns' 'bpftrace' 'ktap/clang' 'bt/clang'
printf '%-8s %8s %8s %6s  %8s %8s %8s  %11s %11s\n' '' insns insns '' '' '' 'ns' 'above floor' 'above floor'
tk=0 tc=0
for name in "${names[@]}"; do
	k=${insns[ktap.$name]} c=${insns[clang.$name]}
	kn=$(median "${ns[ktap.$name]}") cn=$(median "${ns[clang.$name]}") bn=$(median "${ns[bpftrace.$name]}")
	tk=$((tk + k)) tc=$((tc + c))
	printf '%-8s %8d %8d %6.2f  %8.1f %8.1f %8.1f  %11s %11s\n' $name $k $c "$(echo "$k / $c" | bc -l)" \
		$kn $cn $bn "$(over ktap)" "$(over bpftrace)"
done
printf '%-8s %8d %8d %6.2f  (floor: clang empty program, %.1f ns)\n' total $tk $tc "$(echo "$tk / $tc" | bc -l)" $floor

#!/bin/bash
# verifier_fuzz.sh [SEED] [COUNT]: generate COUNT random valid scripts with
# gen_scripts.py, compile each with ./ktapc and load each object into the
# running kernel with objcheck. Every script ktapc accepts must load: a
# verifier rejection is a compiler bug. Outcomes:
#   ok        compiled and loaded
#   limit     refused at compile time at one of the kernel's limits (stack,
#             call depth, maps or functions per program)
#   cerror    any other compile error: a generator or a compiler bug
#   crash     ktapc died of a signal, timed out or reported an internal error
#   verifier  compiled but the kernel refused the object: a compiler bug
# Failing scripts, their messages and objects are kept in
# $VFUZZ_OUT (default build/verifier-fuzz/SEED/<outcome>/).
# KTAP_FUZZ_AVOID (see gen_scripts.py) leaves out constructs of known bugs.
# Needs root and BPF; run `make` first.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
seed=${1:-1}
count=${2:-100}
out=${VFUZZ_OUT:-$top/build/verifier-fuzz/$seed}
ktapc=$top/ktapc
objcheck=$top/build/tests/tools/objcheck
for f in "$ktapc" "$objcheck"; do
	[ -x "$f" ] || { echo "verifier_fuzz: $f is missing: run make" >&2; exit 2; }
done
gen=$out/gen
rm -rf "$out"
mkdir -p "$gen" "$out"/{cerror,crash,verifier,limit}
python3 "$top/tests/fuzz/gen_scripts.py" "$seed" "$count" "$gen" || exit 2

declare -A n=([ok]=0 [limit]=0 [cerror]=0 [crash]=0 [verifier]=0)

# compile FILE.kp FILE.o ERRFILE [OPTIONS]: 0 ok, 1 error, 2 crash or internal error
compile() {
	local kp=$1 o=$2 err=$3
	timeout 60 "$ktapc" "${@:4}" "$kp" -o "$o" 2>"$err" >/dev/null
	local rc=$?
	if [ $rc -gt 1 ] || grep -q 'internal compiler error' "$err"; then
		return 2
	fi
	return $rc
}

limits='stack frame of .* exceeds|bytes of stack together|calls nest .* deep|this probe uses .* maps|this probe is made of .* functions|more code than BPF.s 16-bit jumps can span|too many errors emitted'

keep() {	# keep OUTCOME BASE: move the script and its outputs to OUTCOME/
	mv "$gen/$2".* "$out/$1/" 2>/dev/null
	n[$1]=$((n[$1] + 1))
}

for kp in "$gen"/*.kp; do
	b=$(basename "$kp" .kp)
	o=$gen/$b.o err=$gen/$b.err
	flags=$(sed -n 's/^# ktapc-flags: //p' "$kp" | head -1)
	compile "$kp" "$o" "$err" $flags
	rc=$?
	# refused only for the kernel's limits (stack, call depth, maps,
	# functions), which ktapc reports at compile time: not a bug
	if [ $rc -eq 1 ] && ! grep 'error:' "$err" | grep -Evq "$limits"; then
		keep limit "$b"
		continue
	fi
	case $rc in
	0) ;;
	1) keep cerror "$b"; continue ;;
	*) keep crash "$b"; continue ;;
	esac
	if timeout 120 "$objcheck" "$o" >"$gen/$b.log" 2>&1; then
		n[ok]=$((n[ok] + 1))
		rm -f "$gen/$b".*
	else
		# the verifier's reason: the line before its "processed N insns"
		grep -B1 '^processed' "$gen/$b.log" | head -1 | sed 's/^[0-9]*: ([0-9a-f]*) [^;]*//' >>"$out/verifier/reasons"
		keep verifier "$b"
	fi
done
rmdir "$gen" 2>/dev/null
echo "seed $seed: $count scripts: ok ${n[ok]} limit ${n[limit]} verifier ${n[verifier]} cerror ${n[cerror]} crash ${n[crash]} (kept in $out)"
[ -s "$out/verifier/reasons" ] && sed 's/[0-9]\+/N/g' "$out/verifier/reasons" | sort | uniq -c
[ $((n[verifier] + n[cerror] + n[crash])) -eq 0 ]

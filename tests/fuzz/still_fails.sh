#!/bin/sh
# still_fails.sh PATTERN FILE.kp [KTAPC OPTIONS]: exit 0 when FILE.kp compiles
# and the kernel refuses its object with a log matching PATTERN (for reduce.py).
# A "# ktapc-flags: ..." line in the script adds options, as in objects.sh.
top=$(cd "$(dirname "$0")/../.." && pwd)
pat=$1 kp=$2
shift 2
o=$kp.o
flags=$(sed -n 's/^# ktapc-flags: //p' "$kp" | head -1)
timeout 60 "$top/ktapc" $flags "$@" "$kp" -o "$o" >/dev/null 2>&1 || exit 1
log=$(timeout 120 "$top/build/tests/tools/objcheck" "$o" 2>&1) && { rm -f "$o"; exit 1; }
rm -f "$o"
printf '%s\n' "$log" | grep -q -- "$pat"

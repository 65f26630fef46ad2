# Every example and test script compiles to an object that libbpf loads on
# this kernel, that bpftool loads and dumps, and that llvm-objdump and
# readelf read without a warning.
. "$(dirname "$0")/lib.bash"
n=0
for kp in "$top"/examples/*.kp "$top"/tests/kernel/scripts/*.kp "$top"/tests/lit/codegen/*.kp; do
	[ -f "$kp" ] || continue
	o=$work/$(basename "$kp" .kp).o
	# a script may ask for compiler options: "# ktapc-flags: --strlen 16"
	flags=$(sed -n 's/^# ktapc-flags: //p' "$kp" | head -1)
	"$KTAPC" $flags "$kp" -o "$o" || fail "ktapc $kp"
	out=$("$OBJCHECK" "$o") || { echo "$out"; fail "libbpf load $kp"; }
	if ! grep -q '(0 programs' <<<"$out"; then	# bpftool refuses objects without programs
		pin=/sys/fs/bpf/ktap-test-$$
		bpftool prog loadall "$o" "$pin" >/dev/null 2>&1 || { rm -rf "$pin"; fail "bpftool prog loadall $kp"; }
		rm -rf "$pin"
	fi
	quiet bpftool btf dump file "$o"
	quiet llvm-objdump-14 -d "$o"
	quiet readelf -a "$o"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no scripts found"
echo "$n objects ok"

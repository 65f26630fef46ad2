# Every example and test script compiles to an object that libbpf loads on
# this kernel, that bpftool loads and dumps, and that llvm-objdump and
# readelf read without a warning: one case per script, named by its path
# ("examples/iotop.kp"). The scripts' output is compared elsewhere
# (scripts.sh); here they are only loaded.
. "$(dirname "$0")/lib.bash"

# check_object KP: compile KP and have every tool load or read its object.
check_object() {
	local kp=$1 o=$work/$(basename "$1" .kp).o flags out pin=/sys/fs/bpf/ktap-test-$BASHPID
	# a script may ask for compiler options: "# ktapc-flags: --strlen 16"
	flags=$(sed -n 's/^# ktapc-flags: //p' "$kp" | head -1)
	if grep -q @USDT@ "$kp"; then	# the usdt tool's path, as the lit RUN lines give it
		sed "s|@USDT@|$USDT|g" "$kp" >"$work/usdt-$(basename "$kp")"
		kp=$work/usdt-$(basename "$kp")
	fi
	"$KTAPC" $flags "$kp" -o "$o" || fail "ktapc $kp"
	out=$("$OBJCHECK" "$o") || { echo "$out"; fail "libbpf load $kp"; }
	if ! grep -q '(0 programs' <<<"$out"; then	# bpftool refuses objects without programs
		bpftool prog loadall "$o" "$pin" >/dev/null 2>&1 || { rm -rf "$pin"; fail "bpftool prog loadall $kp"; }
		rm -rf "$pin"
	fi
	quiet bpftool btf dump file "$o"
	quiet llvm-objdump-14 -d "$o"
	quiet readelf -a "$o"
}

failed=0 n=0
for kp in "$top"/examples/*.kp "$top"/tests/kernel/scripts/*.kp "$top"/tests/lit/codegen/*.kp; do
	[ -f "$kp" ] || continue
	run_case "${kp#"$top"/}" check_object "$kp" || failed=1
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no scripts found"
exit $failed

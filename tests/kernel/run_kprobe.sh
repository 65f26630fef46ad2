# kprobes: this kernel has no CONFIG_KPROBES, so they are compiled and
# loaded but never attached. The seed of issue 8, kdebug.kprobe (SyS_futex
# is __x64_sys_futex on this kernel), and a kretprobe compile to objects
# that libbpf and bpftool load; ktap on them says in one line that the
# kernel cannot attach kprobes, exits 1 and leaves nothing loaded.
. "$(dirname "$0")/lib.bash"

SEED='kdebug.kprobe("__x64_sys_futex", function () { print(pid) })'
RET='kdebug.kretprobe("__x64_sys_futex", function () { print(arg1) })'

# load_all NAME SCRIPT: compile, load with libbpf and with bpftool, unpin.
load_all() {
	local pin=/sys/fs/bpf/ktap_test_$BASHPID
	printf '%s\n' "$2" >"$work/$1.kp"
	"$KTAPC" "$work/$1.kp" -o "$work/$1.o" || fail "ktapc $1"
	"$OBJCHECK" "$work/$1.o" >/dev/null || fail "libbpf load $1"
	bpftool prog loadall "$work/$1.o" "$pin" >/dev/null 2>&1 || { rm -rf "$pin"; fail "bpftool loadall $1"; }
	ls "$pin" >"$work/$1.progs"
	rm -rf "$pin"
}

t_seed_loads() {
	load_all seed "$SEED"
	expect "seed programs" "$(cat "$work/seed.progs")" trace1_0___x64_sys_futex
	expect "seed section" "$(readelf -SW "$work/seed.o" | grep -o 'kprobe/__x64_sys_futex' | head -1)" \
		kprobe/__x64_sys_futex
	no_leaks
}

t_kretprobe_loads() {
	load_all ret "$RET"
	expect "kretprobe section" "$(readelf -SW "$work/ret.o" | grep -o 'kretprobe/__x64_sys_futex' | head -1)" \
		kretprobe/__x64_sys_futex
	no_leaks
}

# One line on stderr, status 1, nothing loaded; from the object as from source.
t_cannot_attach() {
	printf '%s\n' "$SEED" >"$work/seed.kp"
	"$KTAPC" "$work/seed.kp" -o "$work/seed.o" || fail "ktapc"
	for what in "$work/seed.o" "$work/seed.kp"; do
		rc=0
		"$KTAP" -q "$what" >"$work/out" 2>"$work/err" || rc=$?
		expect "status ($what)" $rc 1
		expect "stderr ($what)" "$(cat "$work/err")" "$work/seed.kp:1: error: cannot attach probe:__x64_sys_futex: this kernel cannot attach kprobes (it was built without CONFIG_KPROBES)"
		no_leaks
	done
}

run_cases

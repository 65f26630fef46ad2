# Shared by the kernel tests: paths, and mounting what the tests need.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
KTAPC=${KTAPC:-$top/ktapc}
OBJCHECK=$top/$BUILD/tests/tools/objcheck
work=$(mktemp -d /tmp/ktap-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

fail() { echo "FAIL: $*"; exit 1; }

# Run a command; fail unless it succeeds with nothing on stderr.
quiet() {
	local err
	err=$("$@" 2>&1 >/dev/null) || fail "$* exited $?: $err"
	[ -z "$err" ] || fail "$* warned: $err"
}

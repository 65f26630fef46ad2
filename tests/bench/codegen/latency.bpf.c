#include "bench.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TABLE_SIZE);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

__u64 total, count;

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int arrive(void *ctx)
{
	__u64 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_nanosleep")
int leave(void *ctx)
{
	__u64 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *t0 = bpf_map_lookup_elem(&start, &tid);

	if (!t0)
		return 0;
	__sync_fetch_and_add(&total, bpf_ktime_get_ns() - *t0);
	__sync_fetch_and_add(&count, 1);
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

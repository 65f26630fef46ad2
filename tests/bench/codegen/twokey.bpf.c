#include "bench.h"

struct comm_path {
	char comm[16];
	char path[64];
};

/* Per CPU, as ktap makes a table the kernel only counts into (and as
 * bpftrace's count()): the same map shape for both. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TABLE_SIZE);
	__type(key, struct comm_path);
	__type(value, __u64);
} t SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int twokey(struct trace_event_raw_sys_enter *ctx)
{
	struct comm_path k = {};
	__u64 one = 1, *v;

	if (!is_bench())
		return 0;
	bpf_get_current_comm(k.comm, sizeof k.comm);
	bpf_probe_read_user_str(k.path, sizeof k.path, (void *)ctx->args[1]);
	v = bpf_map_lookup_elem(&t, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&t, &k, &one, BPF_NOEXIST);
	return 0;
}

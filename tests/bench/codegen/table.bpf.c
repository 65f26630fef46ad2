#include "bench.h"

/* Per CPU, as ktap makes a table the kernel only counts into (and as
 * bpftrace's count()): the same map shape for both. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TABLE_SIZE);
	__type(key, char[16]);
	__type(value, __u64);
} s SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int table(void *ctx)
{
	char comm[16];
	__u64 one = 1, *v;

	bpf_get_current_comm(comm, sizeof comm);
	v = bpf_map_lookup_elem(&s, comm);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&s, comm, &one, BPF_NOEXIST);
	return 0;
}

#include "bench.h"

__u64 n;

SEC("tracepoint/syscalls/sys_enter_getppid")
int filter(void *ctx)
{
	if (is_bench())
		__sync_fetch_and_add(&n, 1);
	return 0;
}

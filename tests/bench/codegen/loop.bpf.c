#include "bench.h"

__u64 n;

SEC("tracepoint/syscalls/sys_exit_write")
int loop(struct trace_event_raw_sys_exit *ctx)
{
	__s64 x = ctx->ret;
	__u64 b = 0;

	if (!is_bench())
		return 0;
	for (int i = 0; i < 64 && x > 1; i++) {
		x >>= 1;
		b++;
	}
	__sync_fetch_and_add(&n, b);
	return 0;
}

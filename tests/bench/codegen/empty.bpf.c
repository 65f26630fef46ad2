#include "bench.h"

SEC("tracepoint/syscalls/sys_enter_getppid")
int empty(void *ctx)
{
	return 0;
}

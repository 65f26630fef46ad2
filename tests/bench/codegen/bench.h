/* Shared by the hand-written C of the code-quality benchmarks: what a
 * libbpf program includes, the comm filter, and ktap's table capacity (the
 * C keeps ktap's map shapes so that both do the same work). vmlinux.h is
 * generated from the running kernel by codegen.sh, never committed. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TABLE_SIZE 2048	/* ktap's default --table-size */

char LICENSE[] SEC("license") = "GPL";

/* The workload's comm, "kt-bench", compared byte by byte: clang unrolls it. */
static __always_inline int is_bench(void)
{
	const char want[] = "kt-bench";
	char comm[16];

	bpf_get_current_comm(comm, sizeof comm);
	for (int i = 0; i < (int)sizeof want; i++)
		if (comm[i] != want[i])
			return 0;
	return 1;
}

#include "bench.h"

/* ktap's aggregation value (common/agg.h): count, sum, min, max, then 65
 * log2 buckets: 0 for < 0, 1 for 0, i >= 2 for [2^(i-2), 2^(i-1)). */
struct agg {
	__s64 count, sum, min, max;
	__u64 log2[65];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TABLE_SIZE);
	__type(key, __u64);
	__type(value, struct agg);
} h SEC(".maps");

static __always_inline int bucket(__s64 v)
{
	int b = 2;

	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	for (int s = 32; s > 0; s >>= 1)
		if ((__u64)v >> s) {
			v = (__u64)v >> s;
			b += s;
		}
	return b;
}

SEC("tracepoint/syscalls/sys_exit_write")
int hist(struct trace_event_raw_sys_exit *ctx)
{
	static const struct agg zero;
	__u64 key = 0;
	__s64 v = ctx->ret;
	struct agg *a;

	if (!is_bench())
		return 0;
	a = bpf_map_lookup_elem(&h, &key);
	if (!a) {
		bpf_map_update_elem(&h, &key, &zero, BPF_NOEXIST);
		a = bpf_map_lookup_elem(&h, &key);
		if (!a)
			return 0;
	}
	if (a->count == 0 || v < a->min)
		a->min = v;
	if (a->count == 0 || v > a->max)
		a->max = v;
	a->count++;
	a->sum += v;
	a->log2[bucket(v)]++;
	return 0;
}

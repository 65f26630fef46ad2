/* The value of an aggregation's entry (§12), as the kernel records it in a
 * per-CPU hash map and the runtime merges it: the contract between
 * ir/lower_agg.c and runtime/print_agg.c. docs/object-format.md has it too. */
#ifndef KTAP_AGG_H
#define KTAP_AGG_H

#include <stdint.h>

enum {
	AGG_COUNT = 0,		/* s64: values recorded (first, so that pairs() reads it) */
	AGG_SUM = 8,		/* s64 */
	AGG_MIN = 16,		/* s64: meaningful when count > 0 */
	AGG_MAX = 24,		/* s64 */
	AGG_LOG2 = 32,		/* AGG_LOG2_N u64 counts: bucket 0 < 0, 1 == 0, 2 == 1,
				   i >= 3: [2^(i-2), 2^(i-1)) */
};
#define AGG_LOG2_N 65
/* Then, when the script calls print_lhist(t, min, max, step), the linear
 * buckets: (max - min) / step + 2 u64 counts, the first < min, the last >= max. */
#define AGG_LIN (AGG_LOG2 + 8 * AGG_LOG2_N)

#endif

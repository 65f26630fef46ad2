/* The optimizer: the passes of passes.h, run until none changes anything. */
#include "passes.h"

/* Far more rounds than any function needs (each pass shrinks the function
 * or moves a constant closer to its use); a guard against two passes
 * undoing each other forever. */
enum { MAX_ROUNDS = 64 };

void ir_optimize(IrFunc *f)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int changed = ir_fold(f);
		changed |= ir_cse(f);
		changed |= ir_dse(f);
		changed |= ir_simplify_cfg(f);
		changed |= ir_dce(f);
		if (!changed)
			break;
	}
	ir_order_blocks(f);
}

void ir_compact(IrBlock *b, const char *keep)
{
	int n = 0;
	for (int k = 0; k < b->n; k++)
		if (keep[k])
			b->ins[n++] = b->ins[k];
	b->n = n;
}

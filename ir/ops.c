/* The op table of ops.h, expanded into the rows the passes read. */
#include <linux/bpf.h>
#include "ir.h"

_Static_assert(K_NONE == 1 << O_NONE && K_VREG == 1 << O_VREG && K_IMM == 1 << O_IMM &&
	       K_SLOT == 1 << O_SLOT, "ops.h's operand masks follow IrOpndKind");

const IrOpInfo ir_ops[IR_NOPS] = {
#define X(op, name, a, b, dst, flags, alu) [IR_##op] = { name, a, b, dst, flags },
	IR_OPS(X)
#undef X
};

static const unsigned helper_facts[__BPF_FUNC_MAX_ID] = {
#define X(name, facts) [BPF_FUNC_##name] = facts,
	IR_HELPERS(X)
#undef X
};

int ir_helper_is(int64_t id, unsigned h)
{
	return id > 0 && id < __BPF_FUNC_MAX_ID && (helper_facts[id] & h) == h;
}

IrCond ir_cond_swapped(IrCond c)
{
	static const IrCond sw[] = {
		[C_EQ] = C_EQ, [C_NE] = C_NE, [C_LT] = C_GT, [C_LE] = C_GE,
		[C_GT] = C_LT, [C_GE] = C_LE, [C_ULT] = C_UGT, [C_ULE] = C_UGE,
		[C_UGT] = C_ULT, [C_UGE] = C_ULE, [C_SET] = C_SET,
	};
	return sw[c];
}

/* C_SET has no negation: -1. */
int ir_cond_negated(IrCond c)
{
	static const int neg[] = {
		[C_EQ] = C_NE, [C_NE] = C_EQ, [C_LT] = C_GE, [C_LE] = C_GT, [C_GT] = C_LE,
		[C_GE] = C_LT, [C_ULT] = C_UGE, [C_ULE] = C_UGT, [C_UGT] = C_ULE,
		[C_UGE] = C_ULT, [C_SET] = -1,
	};
	return neg[c];
}

int ir_cond_holds(IrCond c, int64_t x, int64_t y)
{
	uint64_t a = x, b = y;
	switch (c) {
	case C_EQ: return x == y;
	case C_NE: return x != y;
	case C_LT: return x < y;
	case C_LE: return x <= y;
	case C_GT: return x > y;
	case C_GE: return x >= y;
	case C_ULT: return a < b;
	case C_ULE: return a <= b;
	case C_UGT: return a > b;
	case C_UGE: return a >= b;
	case C_SET: return (x & y) != 0;
	}
	return 0;
}

const char *ir_op_name(IrOp op)
{
	return op >= 0 && op < IR_NOPS ? ir_ops[op].name : "?";
}

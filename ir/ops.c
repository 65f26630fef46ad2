/* The op table of ops.h, expanded into the rows the passes read. */
#include "ir.h"

_Static_assert(K_NONE == 1 << O_NONE && K_VREG == 1 << O_VREG && K_IMM == 1 << O_IMM &&
	       K_SLOT == 1 << O_SLOT, "ops.h's operand masks follow IrOpndKind");

const IrOpInfo ir_ops[IR_NOPS] = {
#define X(op, name, a, b, dst, flags, alu) [IR_##op] = { name, a, b, dst, flags },
	IR_OPS(X)
#undef X
};

const char *ir_op_name(IrOp op)
{
	return op >= 0 && op < IR_NOPS ? ir_ops[op].name : "?";
}

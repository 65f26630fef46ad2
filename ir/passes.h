/* The passes the driver (opt.c) runs to a fixpoint. Each takes a
 * well-formed function (ir_check) and returns whether it changed it. */
#ifndef KTAP_IR_PASSES_H
#define KTAP_IR_PASSES_H

#include "ir.h"

int ir_fold(IrFunc *f);		/* fold.c: constant folding, constant and copy propagation */
int ir_simplify_cfg(IrFunc *f);	/* cfg.c: jump threading, block merging, unreachable blocks */
int ir_thread(IrFunc *f);	/* thread.c: branches whose outcome the way in decides */
int ir_cse(IrFunc *f);		/* cse.c: values computed again where an earlier result holds */
int ir_dse(IrFunc *f);		/* dse.c: stores to slots nothing reads */
int ir_dce(IrFunc *f);		/* dce.c: pure instructions whose result is never used */
void ir_order_blocks(IrFunc *f);	/* cfg.c: blocks in reverse postorder */
/* inline.c: small leaf functions of m inlined at f's calls, before f's passes */
int ir_inline(IrModule *m, IrFunc *f);

/* Drop the instructions of b for which keep[] is 0. */
void ir_compact(IrBlock *b, const char *keep);

#endif

/* Kernel loops. The verifier would walk a loop once per iteration, so a loop
 * whose trip count it cannot bound is rejected as too large. Instead each
 * kernel loop runs its body in a callback of bpf_loop, which the verifier
 * checks until its states converge, with the iteration cap as bpf_loop's
 * count. The callback reaches the function's locals through the link it is
 * given (see local.c), and tells the caller how the body ended in the
 * frame's status word. */
#include <linux/bpf.h>
#include <stdlib.h>
#include "lower_impl.h"
#include "../common/util.h"

/* Kernel loops stop after this many iterations and count it (docs/language.md §6). */
#define LOOP_CAP 100000

void finish_func(IrFunc *f)
{
	/* every block ends in a terminator, even the unreachable ones */
	for (int i = 0; i < f->nblocks; i++) {
		IrIns *last = ir_last(f->blocks[i]);
		if (!last || !ir_is_term(last->op))
			ir_emit(f->blocks[i], IR_RET)->a = ir_imm(0);
	}
}

static void set_status(Lower *L, int st)
{
	emit_store(L, frame_base(L), FR_STATUS, 8, ir_imm(st));
}

/* `return v` inside a loop body: leave v in the frame and stop every loop
 * up to the function. */
void callback_return(Lower *L, IrOpnd v)
{
	if (L->sf->kind == FN_USER && L->retbuf >= 0) {
		int buf = emit_load(L, ir_r(L->linkreg), LK_RETBUF, 8);
		emit_copy(L, ir_r(buf), 0, v, 0, L->strlen);
	} else if (L->sf->kind == FN_USER) {
		emit_store(L, frame_base(L), FR_RETVAL, 8, v);
	}
	set_status(L, ST_RETURN);
	emit_ret(L, ir_imm(1));
}

/* One iteration, in the callback: return 1 to stop, 0 to go on. */
static void iteration(Lower *L, Node *n, LoopKind kind, int limit_off, int64_t step, IrBlock *stop)
{
	IrBlock *body = new_block(L), *more = new_block(L);
	Symbol *var;
	switch (kind) {
	case LOOP_WHILE:
		lower_cond(L, n->a, body, stop);
		set_block(L, body);
		lower_block(L, n->body);
		break;
	case LOOP_REPEAT:
		lower_block(L, n->body);
		lower_cond(L, n->a, stop, body);
		set_block(L, body);
		break;
	case LOOP_FOR:
		var = n->list.v[0]->sym;
		emit_br(L, step > 0 ? C_GT : C_LT, local_get(L, var),
			ir_r(emit_load(L, frame_base(L), limit_off, 8)), stop, body);
		set_block(L, body);
		lower_block(L, n->body);
		at(L, n);
		local_set(L, var, ir_imm(step), TK_PLUSEQ);
		break;
	}
	emit_jmp(L, more);
	set_block(L, more);
	emit_ret(L, ir_imm(0));
}

/* The callback: a subprogram (index, link) in .text. Returns its index. */
static int callback(Lower *L, Node *n, LoopKind kind, int limit_off, int64_t step)
{
	Lower saved = *L;
	char *name = xasprintf("%s_loop%d", L->f->name, n->loc.line);
	IrFunc *cb = ir_func_new(L->mod, name, ".text", IRF_KERNEL, 2);
	int index = L->mod->nfuncs - 1;	/* before the body adds its own loops' callbacks */
	free(name);
	cb->line = n->loc.line;
	L->f = cb;
	L->b = ir_block(cb);
	L->temps = L->spare = NULL;	/* slots belong to their function */
	L->ntemps = L->nspare = 0;
	L->linkreg = 1;
	L->ctxreg = emit_load(L, ir_r(1), LK_CTX, 8);
	if (L->progctx >= 0)
		L->progctx = emit_load(L, ir_r(1), LK_PROGCTX, 8);
	L->frame_ptr = emit_load(L, ir_r(1), LK_FRAME, 8);
	IrBlock *stop = new_block(L), *start = new_block(L);
	emit_jmp(L, start);
	set_block(L, stop);
	set_status(L, ST_BREAK);
	emit_ret(L, ir_imm(1));
	set_block(L, start);
	L->brk = stop;
	iteration(L, n, kind, limit_off, step, stop);
	finish_func(cb);
	int size = L->frame_size;
	free(L->temps);
	free(L->spare);
	*L = saved;
	L->frame_size = size;	/* the loop body's buffers are part of the frame */
	return index;
}

void kernel_loop(Lower *L, Node *n, LoopKind kind, int limit_off, int64_t step)
{
	int cb = callback(L, n, kind, limit_off, step);
	at(L, n);
	set_status(L, ST_RUN);
	IrIns *fa = emit(L, IR_FUNCADDR);
	fa->dst = ir_vreg(L->f);
	fa->target = cb;
	emit_call(L, BPF_FUNC_loop, 4, ir_imm(LOOP_CAP), ir_r(fa->dst), link_addr(L), ir_imm(0));
	int st = emit_load(L, frame_base(L), FR_STATUS, 8);
	IrBlock *capped = new_block(L), *ended = new_block(L), *ret = new_block(L), *after = new_block(L);
	emit_br(L, C_EQ, ir_r(st), ir_imm(ST_RUN), capped, ended);
	set_block(L, capped);
	count_drop(L, BSS_LOOP_CAPS);
	emit_jmp(L, after);
	set_block(L, ended);
	emit_br(L, C_EQ, ir_r(st), ir_imm(ST_RETURN), ret, after);
	set_block(L, ret);
	if (in_callback(L))		/* a loop inside a loop body: pass the return on */
		emit_ret(L, ir_imm(1));
	else if (L->sf->kind == FN_USER && L->retbuf < 0)
		emit_ret(L, ir_r(emit_load(L, frame_base(L), FR_RETVAL, 8)));
	else
		emit_ret(L, ir_imm(0));
	set_block(L, after);
	set_status(L, ST_RUN);
}

/* Kernel loops. The verifier would walk a loop once per iteration, so a loop
 * whose trip count it cannot bound is rejected as too large. Two forms
 * avoid that, both with the iteration cap as their count:
 *
 * An open-coded iterator (bpf_iter_num_new/_next/_destroy, Linux 6.4+,
 * used when the target kernel's BTF has them): the body is inline and the
 * locals stay in registers; the verifier checks the loop until its states
 * converge, widening numbers whose exact values do not matter. It does
 * not converge when the loop compares a number it knows exactly at every
 * iteration (a counter from a constant): such loops take the other form.
 *
 * A bpf_loop callback: the callback reaches the function's locals
 * through the link it is given (see local.c), and tells the caller how
 * the body ended in the frame's status word. */
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include "lower_impl.h"
#include "../common/uhelpers.h"
#include "../common/util.h"
#include "../frontend/ctypes.h"

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
	if (L->fn->sf->kind == FN_USER && L->fn->retbuf >= 0) {
		int buf = emit_load(L, ir_r(L->fn->linkreg), LK_RETBUF, 8);
		emit_copy(L, ir_r(buf), 0, v, 0, L->m->strlen);
	} else if (L->fn->sf->kind == FN_USER) {
		emit_store(L, frame_base(L), FR_RETVAL, 8, v);
	}
	set_status(L, ST_RETURN);
	emit_ret(L, ir_imm(1));
}

/* Iterators open in the function being lowered, innermost last: every way
 * out of them destroys them, or the verifier refuses the program. */
static void iter_push(Lower *L, int slot)
{
	L->fn->open_it = xrealloc(L->fn->open_it, (L->fn->nopen + 1) * sizeof(*L->fn->open_it));
	L->fn->open_it[L->fn->nopen++] = slot;
}

static void iter_destroy(Lower *L, IrOpnd it)
{
	emit_call(L, KF_ITER_NUM_DESTROY, 1, it);
}

void loops_leave(Lower *L)
{
	for (int i = L->fn->nopen - 1; i >= 0; i--)
		iter_destroy(L, ir_r(emit_addr(L, L->fn->open_it[i])));
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
		emit_br(L, for_ended(step), local_get(L, var),
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
	LowerFn *outer = L->fn, fn = *outer;	/* the locals and the frame are shared */
	char *name = xasprintf("%s_loop%d", outer->f->name, n->loc.line);
	IrFunc *cb = ir_func_new(L->m->mod, name, ".text", IRF_KERNEL, 2);
	int index = L->m->mod->nfuncs - 1;	/* before the body adds its own loops' callbacks */
	free(name);
	cb->line = n->loc.line;
	fn.f = cb;
	fn.b = ir_block(cb);
	fn.temps = fn.spare = NULL;	/* slots belong to their function */
	fn.ntemps = fn.nspare = 0;
	fn.open_it = NULL;		/* and so do iterators */
	fn.nopen = 0;
	fn.linkreg = 1;
	L->fn = &fn;
	fn.ctxreg = emit_load(L, ir_r(1), LK_CTX, 8);
	if (fn.progctx >= 0)
		fn.progctx = emit_load(L, ir_r(1), LK_PROGCTX, 8);
	fn.frame_ptr = emit_load(L, ir_r(1), LK_FRAME, 8);
	IrBlock *stop = new_block(L), *start = new_block(L);
	emit_jmp(L, start);
	set_block(L, stop);
	set_status(L, ST_BREAK);
	emit_ret(L, ir_imm(1));
	set_block(L, start);
	fn.brk = stop;
	iteration(L, n, kind, limit_off, step, stop);
	finish_func(cb);
	free(fn.temps);
	free(fn.spare);
	free(fn.open_it);
	L->fn = outer;
	outer->frame_size = fn.frame_size;	/* the loop body's buffers are part of the frame */
	return index;
}

static void callback_loop(Lower *L, Node *n, LoopKind kind, IrOpnd limit, int64_t step)
{
	int limit_off = 0;
	if (kind == LOOP_FOR) {
		limit_off = frame_alloc(L, 8);
		emit_store(L, frame_base(L), limit_off, 8, limit);
	}
	int cb = callback(L, n, kind, limit_off, step);
	at(L, n);
	set_status(L, ST_RUN);
	IrIns *fa = emit(L, IR_FUNCADDR);
	fa->dst = ir_vreg(L->fn->f);
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
	loops_leave(L);
	if (in_callback(L))		/* a loop inside a loop body: pass the return on */
		emit_ret(L, ir_imm(1));
	else if (L->fn->sf->kind == FN_USER && L->fn->retbuf < 0)
		emit_ret(L, ir_r(emit_load(L, frame_base(L), FR_RETVAL, 8)));
	else
		emit_ret(L, ir_imm(0));
	set_block(L, after);
	set_status(L, ST_RUN);
}

/* Iterations a loop of plain arithmetic runs per step of its iterator: a
 * call per iteration (with the kernel's return thunks) costs more than
 * such a body. The verifier walks these few exactly, the counter being one
 * it knows; it divides the cap. A loop that holds a loop, a call, a table,
 * a built-in or a string join takes one iteration per step: the verifier
 * would walk what they hold, with all their branches, as often, and the
 * call of the step costs little beside theirs. So does a loop inside a
 * loop: the verifier would walk its 16 again for every state of the outer
 * loop it reaches (a fuzzer's handler ran out of the kernel's budget so). */
enum { PER_STEP = 16, PER_STEP_NODES = 48 };
_Static_assert(LOOP_CAP % PER_STEP == 0, "the cap is whole steps");

static int not_plain(const Node *n, void *count)
{
	++*(int *)count;
	switch (n->kind) {
	case N_NIL: case N_TRUE: case N_FALSE: case N_NUM: case N_NAME: case N_UNOP:
	case N_BLOCK: case N_VAR: case N_IF: case N_DO: case N_BREAK: case N_RETURN:
		return 0;
	case N_ASSIGN:
		return n->op == TK_AGG;		/* h <<< v: the aggregation's lookups */
	case N_BINOP:
		return n->op == TK_CONCAT;
	default:
		return 1;
	}
}

static int per_step(Lower *L, const Node *n)
{
	int count = 0;
	if (L->fn->nopen || in_callback(L))
		return 1;
	if (any(n->body, not_plain, &count) || any(n->a, not_plain, &count))
		return 1;
	return count <= PER_STEP_NODES ? PER_STEP : 1;
}

/* Where the loop is: how to compute a numeric for's variable and its
 * limit, and the counter of the iterations within a step. */
typedef struct Steps {
	LoopKind kind;
	IrOpnd start, limit;
	int64_t step;
	int per;	/* iterations per step */
	int k;		/* the iterator's step pointer (next's result), or -1: the first step */
	int j;		/* the vreg counting iterations within the step, or -1 (per 1) */
} Steps;

/* A numeric for's variable: start + step * i, i the iteration's number
 * (per * (k + 1) + j: the iterator's steps follow the first): a number
 * the verifier does not know inside the iterator's steps, where a counter
 * stepped by the body would be one it knows exactly when start and limit
 * are constants. */
static void for_test(Lower *L, Node *n, const Steps *st, IrBlock *body, IrBlock *exit)
{
	Symbol *var = n->list.v[0]->sym;
	IrOpnd i = st->j >= 0 ? ir_r(st->j) : ir_imm(0);
	if (st->k >= 0) {
		IrOpnd k = ir_r(emit_load(L, ir_r(st->k), 0, 4));
		if (st->per > 1) {
			k = ir_r(emit_op(L, IR_MUL, ir_r(emit_op(L, IR_ADD, k, ir_imm(1))), ir_imm(st->per)));
			k = ir_r(emit_op(L, IR_ADD, k, i));
		}
		i = k;
	}
	if (st->step != 1)
		i = ir_r(emit_op(L, IR_MUL, i, ir_imm(st->step)));
	local_set(L, var, ir_r(emit_op(L, IR_ADD, st->start, i)), '=');
	emit_br(L, for_ended(st->step), local_get(L, var), st->limit, exit, body);
}

/* The loop's test and body at block test: on to cont after an iteration,
 * to exit when the loop ends (or breaks). */
static void iterate(Lower *L, Node *n, const Steps *st, IrBlock *test, IrBlock *cont, IrBlock *exit)
{
	IrBlock *body = new_block(L), *saved = L->fn->brk;
	L->fn->brk = exit;
	set_block(L, test);
	switch (st->kind) {
	case LOOP_WHILE:
		lower_cond(L, n->a, body, exit);
		set_block(L, body);
		lower_block(L, n->body);
		emit_jmp(L, cont);
		break;
	case LOOP_REPEAT:
		emit_jmp(L, body);
		set_block(L, body);
		lower_block(L, n->body);
		lower_cond(L, n->a, exit, cont);
		break;
	case LOOP_FOR:
		for_test(L, n, st, body, exit);
		set_block(L, body);
		lower_block(L, n->body);
		emit_jmp(L, cont);
		break;
	}
	L->fn->brk = saved;
}

/* At block cont: j += 1, then to test while j < per, else to next. */
static void count_on(Lower *L, const Steps *st, IrBlock *cont, IrBlock *test, IrBlock *next)
{
	set_block(L, cont);
	emit_set(L, st->j, ir_r(emit_op(L, IR_ADD, ir_r(st->j), ir_imm(1))));
	emit_br(L, C_LT, ir_r(st->j), ir_imm(st->per), test, next);
}

/* The first step of a plain loop, before any iterator: per iterations,
 * the verifier walking each (it knows j). Most loops end within it, and
 * then cost no call at all. Then to more, or to done when the loop ends. */
static void first_step(Lower *L, Node *n, Steps *st, IrBlock *more, IrBlock *done)
{
	IrBlock *test = new_block(L), *cont = new_block(L);
	st->j = emit_mov(L, ir_imm(0));
	emit_jmp(L, test);
	iterate(L, n, st, test, cont, done);
	count_on(L, st, cont, test, more);
	set_block(L, more);
}

/* The rest in the iterator's steps, up to the cap:
 *   new(it, 0, steps); head: k = next(it); k == 0: capped (count it)
 *   else j = 0, test, body; cont: j += 1; j < per: test, else head
 * and every way out (the end, the cap, break; return: loops_leave)
 * destroys it. */
static void iter_steps(Lower *L, Node *n, Steps *st, int steps, IrBlock *done)
{
	int it = ir_slot(L->fn->f, 8);
	IrOpnd itp = ir_r(emit_addr(L, it));	/* one address for every call */
	emit_call(L, KF_ITER_NUM_NEW, 3, itp, ir_imm(0), ir_imm(steps));
	IrBlock *head = new_block(L), *test = new_block(L), *capped = new_block(L), *exit = new_block(L);
	IrBlock *cont = st->per > 1 ? new_block(L) : head;
	emit_jmp(L, head);
	set_block(L, head);
	st->k = emit_call(L, KF_ITER_NUM_NEXT, 1, itp);
	IrBlock *first = st->per > 1 ? new_block(L) : test;
	emit_br(L, C_EQ, ir_r(st->k), ir_imm(0), capped, first);
	if (st->per > 1) {
		set_block(L, first);
		emit_set(L, st->j, ir_imm(0));
		emit_jmp(L, test);
		count_on(L, st, cont, test, head);
	}
	set_block(L, capped);
	count_drop(L, BSS_LOOP_CAPS);
	emit_jmp(L, exit);
	iter_push(L, it);
	iterate(L, n, st, test, cont, exit);
	L->fn->nopen--;
	set_block(L, exit);
	at(L, n);
	iter_destroy(L, itp);
	emit_jmp(L, done);
}

static void iter_loop(Lower *L, Node *n, LoopKind kind, IrOpnd limit, int64_t step)
{
	Steps st = { kind, ir_imm(0), limit, step, per_step(L, n), -1, -1 };
	if (kind == LOOP_FOR) {
		st.start = ir_r(emit_mov(L, local_get(L, n->list.v[0]->sym)));
		if (limit.kind == O_VREG)
			st.limit = ir_r(emit_mov(L, limit));
	}
	at(L, n);
	IrBlock *done = new_block(L);
	if (st.per > 1)
		first_step(L, n, &st, new_block(L), done);
	iter_steps(L, n, &st, LOOP_CAP / st.per - (st.per > 1), done);
	set_block(L, done);
}

/* Does the target kernel have the numeric iterators? */
static int has_iters(Lower *L)
{
	if (L->m->iters < 0) {
		const char *why;
		struct btf *btf = ctypes_btf(&why);
		L->m->iters = btf != NULL;
		for (int id = KF_ITER_NUM_NEW; btf && id <= KF_ITER_NUM_DESTROY; id++)
			L->m->iters &= btf__find_by_name_kind(btf, helper_name(id), BTF_KIND_FUNC) > 0;
	}
	return L->m->iters;
}

/* How the function sets each local, found in one walk: a counter is a
 * local set only to constants or stepped by constants, so that the
 * verifier knows its value exactly. */
enum {
	SET_ANY = 1,	/* assigned by var or = at all */
	SET_OTHER = 2,	/* given another value: a parameter, a for variable, anything else */
};

static int constant_step(const Node *v, Symbol *s)
{
	if (!v || v->kind == N_NUM || v->kind == N_NIL)
		return 1;
	if (v->kind != N_BINOP || (v->op != '+' && v->op != '-'))
		return 0;
	return (v->a->kind == N_NAME && v->a->sym == s && v->b->kind == N_NUM) ||
	       (v->b->kind == N_NAME && v->b->sym == s && v->a->kind == N_NUM);
}

/* The index of the local of sf that n names, or -1 (the main chunk's body
 * holds the probes', whose locals are theirs). */
static int local_index(const Func *sf, const Node *n)
{
	const Symbol *s = n->kind == N_NAME ? n->sym : NULL;
	if (!s || s->kind != SYM_LOCAL || s->index >= sf->nlocals || sf->locals[s->index] != s)
		return -1;
	return s->index;
}

static int note_sets(const Node *n, void *ctx)
{
	Lower *L = ctx;
	char *how = L->fn->set_how;
	int x;
	for (int i = 0; i < n->list.n; i++) {
		if ((x = local_index(L->fn->sf, n->list.v[i])) < 0)
			continue;
		if (n->kind == N_FORNUM || n->kind == N_FORIN)
			how[x] |= SET_OTHER;
		else if (n->kind == N_VAR || n->kind == N_ASSIGN)
			how[x] |= SET_ANY | (constant_step(i < n->list2.n ? n->list2.v[i] : NULL,
							   n->list.v[i]->sym) ? 0 : SET_OTHER);
	}
	return 0;
}

void loop_facts(Lower *L)
{
	Func *sf = L->fn->sf;
	L->fn->set_how = xcalloc(sf->nlocals + 1, 1);
	for (int i = 0; sf->params && i < sf->params->n; i++)
		L->fn->set_how[i] |= SET_OTHER;	/* its callers' value */
	any(sf->body, note_sets, L);
}

static int is_counter(const Node *n, void *ctx)
{
	Lower *L = ctx;
	int x = local_index(L->fn->sf, n);
	return x >= 0 && !(L->fn->set_how[x] & SET_OTHER);
}

/* A comparison of a counter, which the verifier then tracks exactly. */
static int compares_counter(const Node *n, void *ctx)
{
	int cmp = n->kind == N_BINOP && (n->op == '<' || n->op == '>' || n->op == TK_LE ||
					 n->op == TK_GE || n->op == TK_EQ || n->op == TK_NE);
	return cmp && (any(n->a, is_counter, ctx) || any(n->b, is_counter, ctx));
}

int loop_in_callback(Lower *L, const Node *n)
{
	if (!has_iters(L))
		return 1;
	int var = n->kind == N_FORNUM ? local_index(L->fn->sf, n->list.v[0]) : -1;
	if (var >= 0 && (L->fn->set_how[var] & SET_ANY))
		return 1;	/* its variable is not start + step * k */
	return (n->a && n->kind != N_FORNUM && (any(n->a, compares_counter, L) || is_counter(n->a, L))) ||
	       any(n->body, compares_counter, L);
}

void kernel_loop(Lower *L, Node *n, LoopKind kind, IrOpnd limit, int64_t step)
{
	if (loop_in_callback(L, n))
		callback_loop(L, n, kind, limit, step);
	else
		iter_loop(L, n, kind, limit, step);
}

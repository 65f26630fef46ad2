/* Where locals live: registers and slots, or a frame in memory. */
#include <linux/bpf.h>
#include <stdlib.h>
#include "lower_impl.h"
#include "../common/util.h"

int any(const Node *n, int (*pred)(const Node *, void *), void *ctx)
{
	if (!n)
		return 0;
	if (pred(n, ctx) || any(n->a, pred, ctx) || any(n->b, pred, ctx) || any(n->c, pred, ctx) ||
	    any(n->body, pred, ctx))
		return 1;
	for (int i = 0; i < n->list.n; i++)
		if (any(n->list.v[i], pred, ctx))
			return 1;
	for (int i = 0; i < n->list2.n; i++)
		if (any(n->list2.v[i], pred, ctx))
			return 1;
	return 0;
}

/* A loop whose body is a callback: it reaches the locals through the frame. */
static int is_callback_loop(const Node *n, void *L)
{
	return (n->kind == N_WHILE || n->kind == N_REPEAT || n->kind == N_FORNUM) && loop_in_callback(L, n);
}

static int is_stack(const Node *n, void *ctx)
{
	return n->kind == N_CALL && (n->num == F_STACK || n->num == F_USTACK);
}

/* A string value other than a constant needs a buffer. */
static int is_string_value(const Node *n, void *ctx)
{
	return n->kind != N_STR && n->kind != N_NIL && is_str(ty(n));
}

static int count_string_value(const Node *n, void *count)
{
	*(int *)count += is_string_value(n, NULL);
	return 0;
}

/* The string buffers a statement holds at once, at most: every string
 * value in it, its inner statements' too. They are dead once it ends, and
 * stack slots whose contents never matter at the same time share bytes. */
static int stmt_strings(const Node *s)
{
	int n = 0;
	any(s, count_string_value, &n);
	return n;
}

static int is_user_call(const Node *n, void *ctx)
{
	return n->kind == N_CALL && n->num == F_NONE;
}

/* What a probe's string buffers may take of the 512-byte BPF stack, which
 * also holds its keys, records' payloads and spills. */
enum { STACK_STRINGS = 256 };

/* A probe keeps its strings on the stack while they fit (an upper bound:
 * every string variable its size, and the statement that holds most
 * string values a --strlen buffer for each), in half the room when it calls
 * a user function, whose stack adds to its own (user functions keep their
 * strings in their frames); then it needs no per-CPU frame, nor the lookup
 * of it at every event. Loops in callbacks take the frame: their bodies
 * reach the locals through it. */
int needs_frame(Lower *L, Func *sf)
{
	if (!kernel(L))
		return 0;
	L->fn->cb_loops = any(sf->body, is_callback_loop, L);
	if (L->fn->cb_loops)
		return 1;
	int bytes = 0, most = stmt_strings(sf->filter);
	for (int i = 0; i < sf->nlocals; i++)
		if (is_str(type_repr(sf->locals[i]->type)))
			bytes += var_size(L, sf->locals[i]);
	for (int i = 0; sf->body && i < sf->body->list.n; i++) {
		int n = stmt_strings(sf->body->list.v[i]);
		most = n > most ? n : most;
	}
	bytes += most * L->m->strlen;
	if (!bytes)
		return 0;
	int probe = sf->kind == FN_TRACE || sf->kind == FN_PROFILE;
	int calls = any(sf->body, is_user_call, NULL) || any(sf->filter, is_user_call, NULL);
	return !probe || bytes > (calls ? STACK_STRINGS / 2 : STACK_STRINGS);
}

int frame_alloc(Lower *L, int size)
{
	int off = L->fn->frame_next;
	L->fn->frame_next += (size + 7) & ~7;
	if (L->fn->frame_next > L->fn->frame_size)
		L->fn->frame_size = L->fn->frame_next;
	return off;
}

int in_callback(Lower *L)
{
	return L->fn->linkreg >= 0;
}

IrOpnd frame_base(Lower *L)
{
	return ir_r(L->fn->frame_ptr);
}

IrOpnd link_addr(Lower *L)
{
	return in_callback(L) ? ir_r(L->fn->linkreg) : ir_r(emit_addr(L, L->fn->link));
}

/* The frame map's value, found at entry (an array's only entry is always
 * there, but the verifier wants the check). Its size is known only when the
 * function is lowered (frame_done). Probes share one frame map: tracepoint
 * and perf-event programs never run nested on a CPU (the kernel's
 * bpf_prog_active), and `trace syscalls:*` makes hundreds of programs.
 * User functions have their own, since they run while their caller's frame
 * is in use. */
static int new_frame_map(Lower *L, const char *fn)
{
	char *name = xasprintf("ktap_frame%s%s", fn ? "_" : "", fn ? fn : "");
	IrMap m = { name, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 0, NULL, NULL, 4, 0 };
	int map = ir_map(L->m->mod, &m);
	free(name);
	return map;
}

static void frame_map(Lower *L, Func *sf)
{
	/* A raw tracepoint program is outside bpf_prog_active: an interrupt's
	 * tracepoint program may run in the middle of it. */
	if (sf->kind != FN_USER && !L->fn->disp && !L->fn->rawtp) {
		if (L->m->probe_frames < 0)
			L->m->probe_frames = new_frame_map(L, NULL);
		L->fn->frame_map = L->m->probe_frames;
	} else {
		L->fn->frame_map = new_frame_map(L, L->fn->f->name);
	}
	int map = L->fn->frame_map;
	int key = ir_slot(L->fn->f, 8);
	emit_store(L, ir_slotop(key), 0, 8, ir_imm(0));
	L->fn->frame_ptr = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(emit_map(L, map)),
				 ir_r(emit_addr(L, key)));
	IrBlock *none = new_block(L), *go = new_block(L);
	emit_br(L, C_EQ, ir_r(L->fn->frame_ptr), ir_imm(0), none, go);
	set_block(L, none);
	emit_ret(L, ir_imm(0));
	set_block(L, go);
	if (!L->fn->cb_loops)
		return;		/* no loop bodies to link to */
	L->fn->link = ir_slot(L->fn->f, LK_SIZE);
	emit_zero(L, L->fn->link);
	if (sf->kind != FN_USER)
		emit_store(L, ir_slotop(L->fn->link), LK_CTX, 8, ir_r(L->fn->ctxreg));
	emit_store(L, ir_slotop(L->fn->link), LK_FRAME, 8, ir_r(L->fn->frame_ptr));
	if (L->fn->retbuf >= 0)
		emit_store(L, ir_slotop(L->fn->link), LK_RETBUF, 8, ir_r(L->fn->retbuf));
	if (L->fn->progctx >= 0 && any(sf->body, is_stack, NULL))
		emit_store(L, ir_slotop(L->fn->link), LK_PROGCTX, 8, ir_r(L->fn->progctx));
}

/* Params arrive in vregs 0.. (after the hidden result buffer, if any). */
void frame_setup(Lower *L, Func *sf)
{
	int param = L->fn->retbuf >= 0 ? 1 : 0, size = FR_LOCALS;
	L->fn->framed = needs_frame(L, sf);
	L->fn->linkreg = -1;
	for (int i = 0; i < sf->nlocals; i++) {
		Type *t = type_repr(sf->locals[i]->type);
		int is_param = sf->params && i < sf->params->n;
		if (L->fn->framed) {
			L->fn->local[i] = size;
			size += var_size(L, sf->locals[i]);
		} else if (is_str(t)) {
			L->fn->local[i] = ir_slot(L->fn->f, var_size(L, sf->locals[i]));
		} else {
			L->fn->local[i] = is_param ? param++ : ir_vreg(L->fn->f);
		}
		if (is_param && is_str(t) && !L->fn->framed)	/* callers pass a pointer: take a copy */
			emit_copy(L, ir_slotop(L->fn->local[i]), 0, ir_r(param++), 0, L->m->strlen);
		L->fn->flag[i] = -1;
		if (!sf->locals[i]->nilable)
			continue;
		if (L->fn->framed) {
			L->fn->flag[i] = size;
			size += 8;
		} else {	/* a nilable parameter's presence comes right after it */
			L->fn->flag[i] = is_param ? param++ : ir_vreg(L->fn->f);
		}
	}
	if (!L->fn->framed)
		return;
	L->fn->frame_next = L->fn->frame_size = size;
	frame_map(L, sf);
	param = L->fn->retbuf >= 0 ? 1 : 0;
	for (int i = 0; sf->params && i < sf->params->n; i++) {
		local_set(L, sf->locals[i], ir_r(param++), '=');
		if (sf->locals[i]->nilable)
			presence_set(L, sf->locals[i], ir_r(param++));
	}
}

void frame_done(Lower *L)
{
	IrMap *m = L->fn->framed ? &L->m->mod->maps[L->fn->frame_map] : NULL;
	if (m && m->value_size < (uint32_t)L->fn->frame_size)
		m->value_size = L->fn->frame_size;
}

IrOpnd local_get(Lower *L, Symbol *s)
{
	int loc = L->fn->local[s->index];
	int str = is_str(type_repr(s->type));
	if (!L->fn->framed)
		return str ? ir_r(emit_addr(L, loc)) : ir_r(loc);
	if (!str)
		return ir_r(emit_load(L, frame_base(L), loc, 8));
	return ir_r(emit_op(L, IR_ADD, frame_base(L), ir_imm(loc)));
}

/* Zeroes bytes from..size of the buffer at dst + off: strings stay
 * zero-padded. */
static void str_pad(Lower *L, IrOpnd dst, int off, int from, int size)
{
	for (; from < size; from += 8)
		emit_store(L, dst, off + from, 8, ir_imm(0));
}

/* String variable s (local or global) gets the string at v, of which
 * `have` bytes can be read, at least its str_bytes: a shorter string's
 * buffer is copied and the rest of s zeroed, keeping s zero-padded. */
void str_set(Lower *L, Symbol *s, IrOpnd v, int have)
{
	int size = var_size(L, s), n = have < size ? have : size, off = 0;
	IrOpnd dst;
	if (s->kind == SYM_GLOBAL) {
		dst = global_addr(L, s);
	} else if (L->fn->framed) {
		dst = frame_base(L);
		off = L->fn->local[s->index];
	} else {
		dst = ir_slotop(L->fn->local[s->index]);
	}
	if (n)
		emit_copy(L, dst, off, v, 0, n);
	str_pad(L, dst, off, n, size);
}

IrOpnd global_addr(Lower *L, Symbol *s)
{
	return ir_r(emit_mapval(L, DATA_BSS, L->m->global_off[s->index]));
}

IrOpnd str_addr(Lower *L, Symbol *s)
{
	return s->kind == SYM_GLOBAL ? global_addr(L, s) : local_get(L, s);
}

/* s = execname: the comm straight into the variable, not through a buffer
 * of its own; the helper NUL-pads the 16 bytes it writes, the rest of s is
 * zeroed. */
void str_set_execname(Lower *L, Symbol *s)
{
	int size = var_size(L, s);
	IrOpnd p = str_addr(L, s);
	execname_into(L, p, size);
	str_pad(L, p, 0, KTAP_COMM_LEN, size);
}

void local_set(Lower *L, Symbol *s, IrOpnd v, int op)
{
	int loc = L->fn->local[s->index];
	if (is_str(type_repr(s->type))) {
		str_set(L, s, v, L->m->strlen);
		return;
	}
	if (op == TK_PLUSEQ)
		v = ir_r(emit_op(L, IR_ADD, local_get(L, s), v));
	if (L->fn->framed) {
		emit_store(L, frame_base(L), loc, 8, v);
		return;
	}
	emit_set(L, loc, v);
}

void local_zero(Lower *L, Symbol *s)
{
	if (is_str(type_repr(s->type)))
		str_set(L, s, ir_imm(0), 0);
	else
		local_set(L, s, ir_imm(0), '=');
}

/* Presence (docs/language.md §4): a nilable variable has a flag beside its
 * value, 1 while it holds one and 0 while it is nil; its value is then the
 * zero value, so arithmetic on nil uses 0 with no test. Other variables
 * are always present and have no flag. */
int nilable_name(const Node *n)
{
	return n->kind == N_NAME && n->sym && n->sym->nilable;
}

IrOpnd presence_get(Lower *L, Symbol *s)
{
	if (!s->nilable)
		return ir_imm(1);
	if (s->kind == SYM_GLOBAL)
		return ir_r(emit_load(L, ir_r(emit_mapval(L, DATA_BSS, L->m->global_flag[s->index])), 0, 8));
	int loc = L->fn->flag[s->index];
	return L->fn->framed ? ir_r(emit_load(L, frame_base(L), loc, 8)) : ir_r(loc);
}

void presence_set(Lower *L, Symbol *s, IrOpnd present)
{
	if (!s->nilable)
		return;
	if (s->kind == SYM_GLOBAL) {
		emit_store(L, ir_r(emit_mapval(L, DATA_BSS, L->m->global_flag[s->index])), 0, 8, present);
	} else if (L->fn->framed) {
		emit_store(L, frame_base(L), L->fn->flag[s->index], 8, present);
	} else {
		emit_set(L, L->fn->flag[s->index], present);
	}
}

/* 1 when a lookup's result p found the key, else 0: a flag never holds the
 * map value's address. */
static IrOpnd found_flag(Lower *L, IrOpnd p)
{
	int r = ir_vreg(L->fn->f);
	IrBlock *miss = new_block(L), *join = new_block(L);
	emit_set(L, r, ir_imm(1));
	emit_br(L, C_EQ, p, ir_imm(0), miss, join);
	set_block(L, miss);
	emit_set(L, r, ir_imm(0));
	emit_jmp(L, join);
	set_block(L, join);
	return ir_r(r);
}

IrOpnd lower_value(Lower *L, Node *n, IrOpnd *present)
{
	if (n->kind == N_INDEX) {
		IrOpnd found, v = table_read(L, n, &found);
		*present = found_flag(L, found);
		return v;
	}
	IrOpnd v = lower_expr(L, n);
	if (n->kind == N_NIL)
		*present = ir_imm(0);
	else if (nilable_name(n))
		*present = presence_get(L, n->sym);
	else
		*present = ir_imm(1);
	return v;
}

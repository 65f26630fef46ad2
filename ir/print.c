/* The text form of the IR (ktapc --emit=ir and golden tests); described in
 * docs/ir.md. One instruction a line, stable across runs: only names and
 * numbers that come from the IR itself, never addresses. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include "ir.h"
#include "../common/uhelpers.h"

static const char *const opnames[IR_NOPS] = {
	[IR_MOV] = "mov", [IR_ADD] = "add", [IR_SUB] = "sub", [IR_MUL] = "mul",
	[IR_DIV] = "div", [IR_MOD] = "mod", [IR_AND] = "and", [IR_OR] = "or",
	[IR_XOR] = "xor", [IR_SHL] = "shl", [IR_SHR] = "shr", [IR_SAR] = "sar",
	[IR_NEG] = "neg", [IR_NOT] = "not", [IR_LOAD] = "load", [IR_STORE] = "store",
	[IR_ADDR] = "addr", [IR_XADD] = "xadd", [IR_ZERO] = "zero", [IR_COPY] = "copy",
	[IR_MAP] = "map", [IR_MAPVAL] = "mapval", [IR_FUNCADDR] = "funcaddr", [IR_CORE] = "core", [IR_CALL] = "call", [IR_CALLF] = "callf",
	[IR_JMP] = "jmp", [IR_BR] = "br", [IR_RET] = "ret",
};

static const char *const condnames[] = {
	[C_EQ] = "eq", [C_NE] = "ne", [C_LT] = "slt", [C_LE] = "sle",
	[C_GT] = "sgt", [C_GE] = "sge", [C_ULT] = "ult", [C_ULE] = "ule",
	[C_UGT] = "ugt", [C_UGE] = "uge", [C_SET] = "set",
};

/* The kernel's helper names, in id order, from the uapi header itself. */
#define HELPER_NAME(name) #name
static const char *const khelpers[] = { __BPF_FUNC_MAPPER(HELPER_NAME) };
#undef HELPER_NAME

static const char *const datanames[DATA_NSEC] = { ".bss", ".data", ".rodata" };

const char *ir_op_name(IrOp op)
{
	return op >= 0 && op < IR_NOPS ? opnames[op] : "?";
}

/* A stream that counts what was written: to line up the line comments. */
typedef struct Out {
	FILE *f;
	int n;
} Out;

static void pr(Out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(o->f, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->n += r;
}

/* " byte_off sock:0:2:1": what a CO-RE relocation asks, about which member. */
static void core_path(Out *out, const IrModule *m, const IrCore *c)
{
	static const char *const kinds[] = { "byte_off", "byte_size", "exists", "signed",
					     "lshift_u64", "rshift_u64" };
	const struct btf_type *t = m->btf ? btf__type_by_id(m->btf, c->root) : NULL;
	pr(out, " %s ", c->kind < 6 ? kinds[c->kind] : "?");
	if (t)
		pr(out, "%s", btf__name_by_offset(m->btf, t->name_off));
	else
		pr(out, "type#%u", c->root);
	pr(out, ":0");
	for (int k = 0; k < c->n; k++)
		pr(out, ":%d", c->idx[k]);
}

static void helper_name(Out *out, int64_t id)
{
	const char *s = NULL;
	if (id > 0 && id < (int64_t)(sizeof(khelpers) / sizeof(khelpers[0])))
		s = khelpers[id];
	else if (id >= KH_BASE && id < KH_END_)
		s = uhelper_name(id);
	if (s)
		pr(out, "%s", s);
	else
		pr(out, "helper#%" PRId64, id);
}

static void opnd(Out *out, IrOpnd o)
{
	switch (o.kind) {
	case O_VREG: pr(out, "v%" PRId64, o.v); break;
	case O_IMM: pr(out, "%" PRId64, o.v); break;
	case O_SLOT: pr(out, "s%" PRId64, o.v); break;
	default: pr(out, "_"); break;
	}
}

static void mem(Out *out, IrOpnd base, int32_t off)
{
	pr(out, "[");
	opnd(out, base);
	if (off)
		pr(out, "%+" PRId32, off);
	pr(out, "]");
}

static void block_ref(Out *out, const IrBlock *b)
{
	if (b)
		pr(out, "b%d", b->id);
	else
		pr(out, "b?");
}

/* The instruction's text, without indentation or line comment. */
static void ins(Out *out, const IrIns *i, const IrModule *m)
{
	if (i->dst >= 0)
		pr(out, "v%d = ", i->dst);
	switch (i->op) {
	case IR_MOV:
		opnd(out, i->a);
		return;
	case IR_NEG: case IR_NOT:
		pr(out, "%s ", opnames[i->op]);
		opnd(out, i->a);
		return;
	case IR_LOAD:
		pr(out, "load.%d ", i->size);
		mem(out, i->a, i->off);
		if (m && i->target > 0 && i->target <= m->ncores) {
			pr(out, " core #%" PRId64, i->target - 1);
			core_path(out, m, &m->cores[i->target - 1]);
		}
		return;
	case IR_STORE:
		pr(out, "store.%d ", i->size);
		mem(out, i->a, i->off);
		pr(out, ", ");
		opnd(out, i->b);
		return;
	case IR_ADDR:
		pr(out, "addr ");
		mem(out, i->a, i->off);
		return;
	case IR_XADD:
		pr(out, "xadd ");
		mem(out, i->a, i->off);
		pr(out, ", ");
		opnd(out, i->b);
		return;
	case IR_ZERO:
		pr(out, "zero ");
		mem(out, i->a, i->off);
		pr(out, ", %d", i->size);
		return;
	case IR_COPY:
		pr(out, "copy ");
		mem(out, i->a, i->off);
		pr(out, ", ");
		mem(out, i->b, i->off2);
		pr(out, ", %d", i->size);
		return;
	case IR_MAP:
		pr(out, "map m%" PRId64, i->target);
		return;
	case IR_CORE:
		pr(out, "core #%" PRId64 " %" PRId64, i->target, i->a.v);
		if (m && i->target >= 0 && i->target < m->ncores)
			core_path(out, m, &m->cores[i->target]);
		return;
	case IR_MAPVAL:
		pr(out, "mapval ");
		if (i->target >= 0 && i->target < DATA_NSEC)
			pr(out, "%s", datanames[i->target]);
		else
			pr(out, "data#%" PRId64, i->target);
		if (i->off)
			pr(out, "%+" PRId32, i->off);
		return;
	case IR_CALL: case IR_CALLF: case IR_FUNCADDR:
		pr(out, "%s ", opnames[i->op]);
		if (i->op == IR_CALL)
			helper_name(out, i->target);
		else if (m && i->target >= 0 && i->target < m->nfuncs)
			pr(out, "%s", m->funcs[i->target]->name);
		else
			pr(out, "f%" PRId64, i->target);
		if (i->op == IR_FUNCADDR)
			return;
		pr(out, "(");
		for (int k = 0; k < i->nargs && k < 5; k++) {
			if (k)
				pr(out, ", ");
			opnd(out, i->args[k]);
		}
		pr(out, ")");
		return;
	case IR_JMP:
		pr(out, "jmp ");
		block_ref(out, i->t);
		return;
	case IR_BR:
		pr(out, "br %s ", i->cond >= C_EQ && i->cond <= C_SET ? condnames[i->cond] : "?");
		opnd(out, i->a);
		pr(out, ", ");
		opnd(out, i->b);
		pr(out, ", ");
		block_ref(out, i->t);
		pr(out, ", ");
		block_ref(out, i->f);
		return;
	case IR_RET:
		pr(out, "ret");
		if (i->a.kind != O_NONE) {
			pr(out, " ");
			opnd(out, i->a);
		}
		return;
	default:
		if (i->op >= 0 && i->op < IR_NOPS) {	/* the binary operators */
			pr(out, "%s ", opnames[i->op]);
			opnd(out, i->a);
			pr(out, ", ");
			opnd(out, i->b);
		} else {
			pr(out, "op#%d", (int)i->op);
		}
		return;
	}
}

/* The column where line comments start, so that they line up. */
enum { COMMENT_COL = 40 };

static void func(Out *out, const IrFunc *f, const IrModule *m)
{
	pr(out, "func %s %s", f->name, f->ctx == IRF_KERNEL ? "kernel" : "user");
	if (f->section)
		pr(out, " section=%s", f->section);
	pr(out, " params=%d\n", f->nparams);
	for (int s = 0; s < f->nslots; s++)
		pr(out, "  slot s%d %d\n", s, f->slots[s].size);
	int line = 0;
	for (int bi = 0; bi < f->nblocks; bi++) {
		const IrBlock *b = f->blocks[bi];
		pr(out, "b%d:\n", b->id);
		for (int k = 0; k < b->n; k++) {
			const IrIns *i = &b->ins[k];
			int n0 = out->n;
			pr(out, "  ");
			ins(out, i, m);
			if (i->line && i->line != line) {
				int w = out->n - n0;
				pr(out, "%*s; %d", w < COMMENT_COL ? COMMENT_COL - w : 1, "", i->line);
				line = i->line;
			}
			pr(out, "\n");
		}
	}
}

void ir_print_func(FILE *out, const IrFunc *f)
{
	func(&(Out){ out, 0 }, f, NULL);
}

static const char *const maptypes[] = {
	[BPF_MAP_TYPE_HASH] = "hash", [BPF_MAP_TYPE_ARRAY] = "array",
	[BPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash", [BPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
	[BPF_MAP_TYPE_STACK_TRACE] = "stack_trace", [BPF_MAP_TYPE_LRU_HASH] = "lru_hash",
	[BPF_MAP_TYPE_RINGBUF] = "ringbuf",
};

static void layout(Out *out, const IrLayout *l)
{
	if (!l) {
		pr(out, "?");
		return;
	}
	switch (l->kind) {
	case L_NUM: pr(out, "num"); break;
	case L_BOOL: pr(out, "bool"); break;
	case L_STR: pr(out, "str%d", l->size); break;
	case L_STACK: pr(out, "stack"); break;
	case L_TUPLE:
		pr(out, "(");
		for (int k = 0; k < l->nfields; k++) {
			if (k)
				pr(out, ", ");
			layout(out, l->fields[k]);
		}
		pr(out, ")");
		break;
	}
}

static void map(Out *out, int k, const IrMap *mp)
{
	pr(out, "map m%d %s ", k, mp->name);
	if (mp->type < sizeof(maptypes) / sizeof(maptypes[0]) && maptypes[mp->type])
		pr(out, "%s", maptypes[mp->type]);
	else
		pr(out, "type#%u", mp->type);
	pr(out, " max=%u", mp->max_entries);
	if (mp->flags)
		pr(out, " flags=%#x", mp->flags);
	pr(out, " key=");
	if (mp->key)
		layout(out, mp->key);
	else
		pr(out, "%uB", mp->key_size);
	pr(out, " value=");
	if (mp->value)
		layout(out, mp->value);
	else
		pr(out, "%uB", mp->value_size);
	pr(out, "\n");
}

void ir_print_module(FILE *f, const IrModule *m)
{
	Out o = { f, 0 }, *out = &o;
	/* a blank line between the declarations and each function */
	for (int k = 0; k < m->nmaps; k++)
		map(out, k, &m->maps[k]);
	for (int s = 0; s < DATA_NSEC; s++) {
		const IrData *d = &m->data[s];
		if (!d->size && !d->nvars)
			continue;
		pr(out, "data %s size=%d\n", datanames[s], d->size);
		for (int k = 0; k < d->nvars; k++) {
			pr(out, "  var %s +%d ", d->vars[k].name, d->vars[k].off);
			layout(out, d->vars[k].layout);
			pr(out, "\n");
		}
	}
	for (int k = 0; k < m->nfuncs; k++) {
		if (out->n)
			pr(out, "\n");
		func(out, m->funcs[k], m);
	}
}

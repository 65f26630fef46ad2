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

static const char *const condnames[] = {
	[C_EQ] = "eq", [C_NE] = "ne", [C_LT] = "slt", [C_LE] = "sle",
	[C_GT] = "sgt", [C_GE] = "sge", [C_ULT] = "ult", [C_ULE] = "ule",
	[C_UGT] = "ugt", [C_UGE] = "uge", [C_SET] = "set",
};

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

static void helper(Out *out, int64_t id)
{
	const char *s = helper_name(id);
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

/* The operands present, comma separated: the form of the ops that have
 * no syntax of their own (the unary and binary ones, ret). */
static void plain(Out *out, const IrIns *i)
{
	if (i->a.kind != O_NONE) {
		pr(out, " ");
		opnd(out, i->a);
	}
	if (i->b.kind != O_NONE) {
		pr(out, ", ");
		opnd(out, i->b);
	}
}

/* What follows the op name in the ops with a syntax of their own. */
static void ins_rest(Out *out, const IrIns *i, const IrModule *m)
{
	switch (i->op) {
	case IR_LOAD:
		pr(out, ".%d ", i->size);
		mem(out, i->a, i->off);
		if (m && i->target > 0 && i->target <= m->ncores) {
			pr(out, " core #%" PRId64, i->target - 1);
			core_path(out, m, &m->cores[i->target - 1]);
		}
		return;
	case IR_STORE: case IR_XADD:
		if (i->op == IR_STORE)
			pr(out, ".%d", i->size);
		pr(out, " ");
		mem(out, i->a, i->off);
		pr(out, ", ");
		opnd(out, i->b);
		return;
	case IR_ADDR: case IR_ZERO:
		pr(out, " ");
		mem(out, i->a, i->off);
		if (i->op == IR_ZERO)
			pr(out, ", %d", i->size);
		return;
	case IR_COPY:
		pr(out, " ");
		mem(out, i->a, i->off);
		pr(out, ", ");
		mem(out, i->b, i->off2);
		pr(out, ", %d", i->size);
		return;
	case IR_MAP:
		pr(out, " m%" PRId64, i->target);
		return;
	case IR_CORE:
		pr(out, " #%" PRId64 " %" PRId64, i->target, i->a.v);
		if (m && i->target >= 0 && i->target < m->ncores)
			core_path(out, m, &m->cores[i->target]);
		return;
	case IR_MAPVAL:
		if (i->target >= 0 && i->target < DATA_NSEC)
			pr(out, " %s", data_sec_names[i->target]);
		else
			pr(out, " data#%" PRId64, i->target);
		if (i->off)
			pr(out, "%+" PRId32, i->off);
		return;
	case IR_CALL: case IR_CALLF: case IR_FUNCADDR:
		pr(out, " ");
		if (i->op == IR_CALL)
			helper(out, i->target);
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
		pr(out, " ");
		block_ref(out, i->t);
		return;
	case IR_BR:
		pr(out, " %s", i->cond >= C_EQ && i->cond <= C_SET ? condnames[i->cond] : "?");
		plain(out, i);
		pr(out, ", ");
		block_ref(out, i->t);
		pr(out, ", ");
		block_ref(out, i->f);
		return;
	default:
		plain(out, i);
		return;
	}
}

/* The instruction's text, without indentation or line comment. */
static void ins(Out *out, const IrIns *i, const IrModule *m)
{
	if (i->dst >= 0)
		pr(out, "v%d = ", i->dst);
	if (i->op < 0 || i->op >= IR_NOPS)
		pr(out, "op#%d", (int)i->op);
	else if (i->op == IR_MOV)	/* "v1 = v2": the one op without a name */
		opnd(out, i->a);
	else {
		pr(out, "%s", ir_ops[i->op].name);
		ins_rest(out, i, m);
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
		pr(out, "data %s size=%d\n", data_sec_names[s], d->size);
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

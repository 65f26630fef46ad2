/* Building IR: allocation of modules, functions, blocks, registers, slots. */
#include <stdlib.h>
#include <string.h>
#include "ir.h"
#include "../common/util.h"

IrModule *ir_module_new(void)
{
	return xcalloc(1, sizeof(IrModule));
}

static void func_free(IrFunc *f)
{
	for (int i = 0; i < f->nblocks; i++) {
		free(f->blocks[i]->ins);
		free(f->blocks[i]);
	}
	free(f->blocks);
	free(f->slots);
	free(f->name);
	free(f->section);
	free(f);
}

void ir_module_free(IrModule *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nfuncs; i++)
		func_free(m->funcs[i]);
	for (int i = 0; i < m->nmaps; i++)
		free(m->maps[i].name);
	for (int i = 0; i < DATA_NSEC; i++) {
		for (int j = 0; j < m->data[i].nvars; j++)
			free(m->data[i].vars[j].name);
		free(m->data[i].vars);
		free(m->data[i].bytes);
	}
	for (int i = 0; i < m->nlayouts; i++) {
		free(m->layouts[i]->fields);
		free(m->layouts[i]->offs);
		free(m->layouts[i]);
	}
	free(m->layouts);
	free(m->cores);
	free(m->funcs);
	free(m->maps);
	free(m);
}

IrFunc *ir_func_new(IrModule *m, const char *name, const char *section, IrCtx ctx, int nparams)
{
	IrFunc *f = xcalloc(1, sizeof(IrFunc));
	f->name = xstrdup(name);
	f->section = section ? xstrdup(section) : NULL;
	f->ctx = ctx;
	f->nparams = nparams;
	f->nvregs = nparams;
	m->funcs = xrealloc(m->funcs, (m->nfuncs + 1) * sizeof(*m->funcs));
	m->funcs[m->nfuncs++] = f;
	return f;
}

int ir_vreg(IrFunc *f)
{
	return f->nvregs++;
}

int ir_slot(IrFunc *f, int size)
{
	f->slots = xrealloc(f->slots, (f->nslots + 1) * sizeof(*f->slots));
	f->slots[f->nslots].size = (size + 7) & ~7;
	return f->nslots++;
}

IrBlock *ir_block(IrFunc *f)
{
	IrBlock *b = xcalloc(1, sizeof(IrBlock));
	b->id = f->nblocks;
	f->blocks = xrealloc(f->blocks, (f->nblocks + 1) * sizeof(*f->blocks));
	f->blocks[f->nblocks++] = b;
	return b;
}

IrIns *ir_emit(IrBlock *b, IrOp op)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->ins = xrealloc(b->ins, b->cap * sizeof(*b->ins));
	}
	IrIns *i = &b->ins[b->n++];
	memset(i, 0, sizeof(*i));
	i->op = op;
	i->dst = -1;
	return i;
}

int ir_map(IrModule *m, const IrMap *map)
{
	m->maps = xrealloc(m->maps, (m->nmaps + 1) * sizeof(*m->maps));
	m->maps[m->nmaps] = *map;
	m->maps[m->nmaps].name = xstrdup(map->name);
	return m->nmaps++;
}

int ir_opnds(const IrIns *i, IrOpnd *o[7])
{
	IrIns *w = (IrIns *)i;
	int n = 0;
	o[n++] = &w->a;
	o[n++] = &w->b;
	for (int k = 0; ir_op_is(i->op, F_ARGS) && k < i->nargs && k < 5; k++)
		o[n++] = &w->args[k];
	return n;
}

int ir_calls_function(const IrIns *i)
{
	return i->op == IR_CALLF || (i->op == IR_CALL && ir_helper_is(i->target, H_CALLS_BACK));
}

int ir_uses(const IrIns *i, int u[7])
{
	IrOpnd *o[7];
	int n = 0;
	for (int k = 0, no = ir_opnds(i, o); k < no; k++)
		if (o[k]->kind == O_VREG)
			u[n++] = o[k]->v;
	return n;
}

IrIns *ir_last(IrBlock *b)
{
	return b->n ? &b->ins[b->n - 1] : NULL;
}

int ir_succs(const IrBlock *b, IrBlock *s[2])
{
	const IrIns *t = b->n ? &b->ins[b->n - 1] : NULL;
	int n = 0;
	if (t && (t->op == IR_JMP || t->op == IR_BR))
		s[n++] = t->t;
	if (t && t->op == IR_BR)
		s[n++] = t->f;
	return n;
}

IrLayout *ir_layout(IrModule *m, IrLayoutKind kind, int size, int nfields)
{
	IrLayout *l = xcalloc(1, sizeof(IrLayout));
	l->kind = kind;
	l->size = size;
	l->nfields = nfields;
	if (nfields) {
		l->fields = xcalloc(nfields, sizeof(*l->fields));
		l->offs = xcalloc(nfields, sizeof(*l->offs));
	}
	m->layouts = xrealloc(m->layouts, (m->nlayouts + 1) * sizeof(*m->layouts));
	m->layouts[m->nlayouts++] = l;
	return l;
}

int ir_data_var(IrModule *m, int sec, const char *name, IrLayout *layout, const void *init)
{
	IrData *d = &m->data[sec];
	int off = (d->size + 7) & ~7;
	d->bytes = xrealloc(d->bytes, off + layout->size);
	memset(d->bytes + d->size, 0, off + layout->size - d->size);
	if (init)
		memcpy(d->bytes + off, init, layout->size);
	d->size = off + layout->size;
	d->vars = xrealloc(d->vars, (d->nvars + 1) * sizeof(*d->vars));
	d->vars[d->nvars++] = (IrVar){ xstrdup(name), off, layout };
	return off;
}

int ir_core(IrModule *m, const IrCore *c)
{
	m->cores = xrealloc(m->cores, (m->ncores + 1) * sizeof(*m->cores));
	m->cores[m->ncores] = *c;
	return m->ncores++;
}

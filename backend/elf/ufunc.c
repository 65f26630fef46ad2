/* User-context functions are not ELF programs: their instructions go to
 * the .ktap* sections for the runtime's interpreter, with relocations that
 * name their targets (the runtime resolves them after libbpf made the maps). */
#include <stdlib.h>
#include <string.h>
#include "../btf/btf.h"

static int urel(const ObjFile *o, const ObjProg *p, const ObjReloc *r, KtapURel *u, Diag *d)
{
	const char *name = p->func->name;
	if (r->insn < 0 || r->insn >= p->ninsns) {
		diag_error(d, DC_INTERNAL, (Loc){0}, "internal compiler error: %s: relocation at instruction %d out of range",
			   name, r->insn);
		return -1;
	}
	u->insn = r->insn;
	switch (r->kind) {
	case REL_MAP:
		if (r->target < 0 || r->target >= o->mod->nmaps)
			break;
		u->kind = UREL_MAP;
		u->target = xstrdup(o->mod->maps[r->target].name);
		return 0;
	case REL_DATA:
		if (r->target < 0 || r->target >= DATA_NSEC)
			break;
		u->kind = UREL_DATA;
		u->target = xstrdup(data_sec_names[r->target]);
		return 0;
	case REL_FUNC:		/* only kernel loops take function addresses */
	case REL_CORE:		/* and only kernel code reads typed data */
	case REL_KFUNC:		/* or calls kfuncs */
		break;
	case REL_CALL:
		if (r->target < 0 || r->target >= o->nprogs)
			break;
		if (o->progs[r->target].func->ctx != IRF_USER) {
			diag_error(d, DC_INTERNAL, (Loc){0}, "internal compiler error: %s: user-context code calls kernel "
				   "function %s", name, o->progs[r->target].func->name);
			return -1;
		}
		u->kind = UREL_CALL;
		u->target = xstrdup(o->progs[r->target].func->name);
		return 0;
	}
	diag_error(d, DC_INTERNAL, (Loc){0}, "internal compiler error: %s: bad relocation (kind %d, target %d)", name,
		   r->kind, r->target);
	return -1;
}

static int ufunc(const ObjFile *o, const ObjProg *p, KtapUFunc *u, Diag *d)
{
	u->name = xstrdup(p->func->name);
	u->nparams = p->func->nparams;
	u->stack_size = p->stack_size;
	u->ninsns = p->ninsns;
	u->insns = xcalloc(p->ninsns + 1, sizeof(*u->insns));
	if (p->ninsns)
		memcpy(u->insns, p->insns, p->ninsns * sizeof(*p->insns));
	u->relocs = xcalloc(p->nrelocs + 1, sizeof(*u->relocs));
	for (int i = 0; i < p->nrelocs; i++, u->nrelocs++)
		if (urel(o, p, &p->relocs[i], &u->relocs[i], d) < 0)
			return -1;
	u->lines = xcalloc(p->nlines + 1, sizeof(*u->lines));
	u->nlines = p->nlines;
	for (int i = 0; i < p->nlines; i++)
		u->lines[i] = (KtapULine){ p->lines[i].insn, p->lines[i].line, p->lines[i].col };
	return 0;
}

int obj_user_funcs(const ObjFile *o, KtapMeta *m, Diag *d)
{
	KtapMeta old = { .ufuncs = m->ufuncs, .nufuncs = m->nufuncs };
	ktapobj_free(&old);
	m->ufuncs = xcalloc(o->nprogs + 1, sizeof(*m->ufuncs));
	m->nufuncs = 0;
	for (int i = 0; i < o->nprogs; i++) {
		if (o->progs[i].func->ctx != IRF_USER)
			continue;
		if (ufunc(o, &o->progs[i], &m->ufuncs[m->nufuncs++], d) < 0)
			return -1;
	}
	return 0;
}

void obj_free_progs(ObjFile *o)
{
	for (int i = 0; i < o->nprogs; i++) {
		free(o->progs[i].insns);
		free(o->progs[i].relocs);
		free(o->progs[i].lines);
	}
	free(o->progs);
	o->progs = NULL;
	o->nprogs = 0;
}

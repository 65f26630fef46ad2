/* Placement of an object's code and map definitions, shared by the ELF
 * writer and the BTF that describes them. */
#include <stdlib.h>
#include <string.h>
#include "btf.h"


/* A map definition is one 8-byte pointer per member: type, max_entries,
 * then map_flags, key and value when present. */
uint32_t btf_map_def_size(const IrMap *m)
{
	int n = 2;
	if (m->flags)
		n++;
	if (m->type == BPF_MAP_TYPE_STACK_TRACE)
		n += 2;
	else
		n += (m->key || m->key_size) + (m->value || m->value_size);
	return n * 8;
}

static int find_sec(ObjPlace *pl, const char *name)
{
	for (int i = 0; i < pl->nsecs; i++)
		if (!strcmp(pl->secs[i].name, name))
			return i;
	pl->secs = xrealloc(pl->secs, (pl->nsecs + 1) * sizeof(*pl->secs));
	pl->secs[pl->nsecs] = (ObjSec){ .name = name };
	return pl->nsecs++;
}

/* Each kfunc is one extern however many calls it has. */
static void kfuncs_used(const ObjFile *o, ObjPlace *pl)
{
	int used[KF_END_ - KF_BASE] = {0};
	for (int i = 0; i < o->nprogs; i++)
		for (int r = 0; r < o->progs[i].nrelocs; r++)
			if (o->progs[i].relocs[r].kind == REL_KFUNC && kfunc_proto(o->progs[i].relocs[r].target))
				used[o->progs[i].relocs[r].target - KF_BASE] = 1;
	for (int k = 0; k < KF_END_ - KF_BASE; k++)
		if (used[k])
			pl->kfuncs[pl->nkfuncs++] = KF_BASE + k;
}

void obj_place(const ObjFile *o, ObjPlace *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->sec = xcalloc(o->nprogs + 1, sizeof(*pl->sec));
	pl->off = xcalloc(o->nprogs + 1, sizeof(*pl->off));
	for (int i = 0; i < o->nprogs; i++) {
		const ObjProg *p = &o->progs[i];
		if (p->func->ctx == IRF_USER) {
			pl->sec[i] = -1;
			continue;
		}
		int s = find_sec(pl, p->func->section ? p->func->section : ".text");
		ObjSec *sec = &pl->secs[s];
		sec->progs = xrealloc(sec->progs, (sec->nprogs + 1) * sizeof(*sec->progs));
		sec->progs[sec->nprogs++] = i;
		pl->sec[i] = s;
		pl->off[i] = sec->ninsns;
		sec->ninsns += p->ninsns;
	}
	pl->map_off = xcalloc(o->mod->nmaps + 1, sizeof(*pl->map_off));
	for (int i = 0; i < o->mod->nmaps; i++) {
		pl->map_off[i] = pl->maps_size;
		pl->maps_size += btf_map_def_size(&o->mod->maps[i]);
	}
	kfuncs_used(o, pl);
}

void obj_place_free(ObjPlace *pl)
{
	for (int i = 0; i < pl->nsecs; i++)
		free(pl->secs[i].progs);
	free(pl->secs);
	free(pl->sec);
	free(pl->off);
	free(pl->map_off);
	memset(pl, 0, sizeof(*pl));
}

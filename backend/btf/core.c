/* CO-RE in the object (docs/language.md §13): libbpf matches each relocation's
 * local type to the loading kernel's by name and member names, so the
 * object's BTF holds a copy of every struct a relocation walks through,
 * with only the members walked (as little as clang's copies from a
 * vmlinux.h would need), and .BTF.ext's core_relo section says which
 * instruction asks what about which member (access string "0:i:j" over
 * the copy's member indexes). */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <bpf/btf.h>
#include "btf.h"
#include "../../frontend/ctypes.h"

typedef struct Copy {
	Btf *b;
	const struct btf *kb;
	uint8_t **used;		/* per kernel type: its members walked (a byte each) */
	uint32_t *local;	/* per kernel type: its copy's id, or 0 */
	uint32_t index;		/* arrays' index type */
} Copy;

/* Mark the members core c walks. */
static void walk(Copy *c, const IrCore *core)
{
	uint32_t id = core->root;
	for (int k = 0; k < core->n; k++) {
		const struct btf_type *t = btf__type_by_id(c->kb, id);
		if (!t || !btf_is_composite(t) || core->idx[k] >= btf_vlen(t))
			return;
		if (!c->used[id])
			c->used[id] = calloc(btf_vlen(t), 1);
		c->used[id][core->idx[k]] = 1;
		id = ctype_skip(c->kb, btf_members(t)[core->idx[k]].type);
	}
}

static uint32_t copy(Copy *c, uint32_t id);

static uint32_t copy_composite(Copy *c, uint32_t id, const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t);
	uint32_t *types = calloc(n + 1, sizeof(*types));
	for (int i = 0; i < n; i++)	/* members' types first: a struct's members follow it */
		if (c->used[id] && c->used[id][i])
			types[i] = copy(c, m[i].type);
	uint32_t l = btf_add_composite(c->b, btf__name_by_offset(c->kb, t->name_off), btf_kind(t),
				       btf_kflag(t), t->size);
	for (int i = 0; i < n; i++)
		if (c->used[id] && c->used[id][i])
			btf_add_member(c->b, btf__name_by_offset(c->kb, m[i].name_off), types[i], m[i].offset);
	free(types);
	return l;
}

static uint32_t copy_kind(Copy *c, uint32_t id, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(c->kb, t->name_off);
	if (btf_is_int(t))
		return btf_add_int(c->b, name, t->size, btf_int_encoding(t));
	if (btf_is_enum(t)) {
		uint32_t l = btf_add_enum(c->b, name, t->size, btf_kflag(t));
		for (int i = 0; i < btf_vlen(t); i++)
			btf_add_enumval(c->b, btf__name_by_offset(c->kb, btf_enum(t)[i].name_off),
					btf_enum(t)[i].val);
		return l;
	}
	if (btf_is_array(t)) {
		uint32_t elem = copy(c, btf_array(t)->type);
		if (!c->index)
			c->index = btf_add_int(c->b, "__ARRAY_SIZE_TYPE__", 4, 0);
		return btf_add_array(c->b, elem, c->index, btf_array(t)->nelems);
	}
	if (btf_is_composite(t))
		return copy_composite(c, id, t);
	/* a pointer is never walked through: any pointer matches any */
	return btf_add_ptr(c->b, 0);
}

static uint32_t copy(Copy *c, uint32_t id)
{
	id = ctype_skip(c->kb, id);
	const struct btf_type *t = btf__type_by_id(c->kb, id);
	if (!t || !id)
		return 0;
	if (!c->local[id])
		c->local[id] = copy_kind(c, id, t);
	return c->local[id];
}

/* "0:2:1": the walk as indexes among the members copied. */
static uint32_t access_str(Copy *c, const IrCore *core)
{
	char s[16 * IR_CORE_MAXPATH] = "0";
	uint32_t id = core->root;
	for (int k = 0; k < core->n; k++) {
		const struct btf_type *t = btf__type_by_id(c->kb, id);
		int rank = 0;
		for (int i = 0; i < core->idx[k]; i++)
			rank += c->used[id][i];
		snprintf(s + strlen(s), sizeof s - strlen(s), ":%d", rank);
		id = ctype_skip(c->kb, btf_members(t)[core->idx[k]].type);
	}
	return btf_str(c->b, s);
}

struct ext_sec {
	uint32_t sec_name_off, num_info;
};

static void sec_relos(Copy *c, const ObjFile *o, const ObjPlace *pl, const ObjSec *s, Buf *out)
{
	size_t head = out->len;
	struct ext_sec h = { btf_str(c->b, s->name), 0 };
	buf_add(out, &h, sizeof(h));
	for (int i = 0; i < s->nprogs; i++) {
		const ObjProg *p = &o->progs[s->progs[i]];
		for (int r = 0; r < p->nrelocs; r++) {
			if (p->relocs[r].kind != REL_CORE)
				continue;
			const IrCore *core = &o->mod->cores[p->relocs[r].target];
			struct bpf_core_relo rec = {
				.insn_off = (pl->off[s->progs[i]] + p->relocs[r].insn) * sizeof(struct bpf_insn),
				.type_id = copy(c, core->root),
				.access_str_off = access_str(c, core),
				.kind = core->kind,
			};
			buf_add(out, &rec, sizeof(rec));
			h.num_info++;
		}
	}
	if (h.num_info)
		memcpy(out->p + head, &h, sizeof(h));
	else
		out->len = head;
}

void btf_encode_core(Btf *b, const ObjFile *o, const ObjPlace *pl, Buf *out)
{
	const IrModule *m = o->mod;
	if (!m->ncores || !m->btf)
		return;
	uint32_t n = btf__type_cnt(m->btf);
	Copy c = { b, m->btf, calloc(n, sizeof(uint8_t *)), calloc(n, sizeof(uint32_t)), 0 };
	for (int i = 0; i < m->ncores; i++)
		walk(&c, &m->cores[i]);
	uint32_t size = sizeof(struct bpf_core_relo);
	buf_add(out, &size, 4);
	for (int i = 0; i < pl->nsecs; i++)
		sec_relos(&c, o, pl, &pl->secs[i], out);
	for (uint32_t i = 0; i < n; i++)
		free(c.used[i]);
	free(c.used);
	free(c.local);
}

/* The BTF of a ktap object: map definitions in .maps as libbpf 1.x reads
 * them, the variables of .bss/.data/.rodata, and a FUNC for every kernel
 * function. Layouts become C types a skeleton can use:
 *   L_NUM long, L_BOOL typedef bool64 (unsigned long), L_STR char[size],
 *   L_STACK typedef stack_id (unsigned long), L_TUPLE struct { k0; k1; ... }. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include "btf.h"

typedef struct Enc {
	Btf b;
	uint32_t t_int, t_uint, t_long, t_ulong, t_char, t_bool, t_stack;
	uint32_t t_int_ptr, t_iter_ptr;	/* kfuncs' argument types, made once when needed (0: not yet) */
} Enc;

static void base_types(Enc *e)
{
	e->t_int = btf_add_int(&e->b, "int", 4, BTF_INT_SIGNED);
	e->t_uint = btf_add_int(&e->b, "unsigned int", 4, 0);
	e->t_long = btf_add_int(&e->b, "long", 8, BTF_INT_SIGNED);
	e->t_ulong = btf_add_int(&e->b, "unsigned long", 8, 0);
	e->t_char = btf_add_int(&e->b, "char", 1, BTF_INT_CHAR);
	e->t_bool = btf_add_typedef(&e->b, "bool64", e->t_ulong);
	e->t_stack = btf_add_typedef(&e->b, "stack_id", e->t_ulong);
}

static uint32_t layout_type(Enc *e, const IrLayout *l)
{
	switch (l->kind) {
	case L_NUM:
		return e->t_long;
	case L_BOOL:
		return e->t_bool;
	case L_STACK:
		return e->t_stack;
	case L_STR:
		return btf_add_array(&e->b, e->t_char, e->t_int, l->size);
	case L_TUPLE:
		break;
	}
	uint32_t *ft = xcalloc(l->nfields + 1, sizeof(*ft));
	for (int i = 0; i < l->nfields; i++)
		ft[i] = layout_type(e, l->fields[i]);
	uint32_t id = btf_add_struct(&e->b, NULL, l->size);
	for (int i = 0; i < l->nfields; i++) {
		char name[16];
		snprintf(name, sizeof(name), "k%d", i);
		btf_add_member(&e->b, name, ft[i], l->offs[i] * 8);
	}
	free(ft);
	return id;
}

/* __uint(name, n) in libbpf's terms: int (*name)[n] */
static uint32_t uint_member(Enc *e, uint32_t n)
{
	return btf_add_ptr(&e->b, btf_add_array(&e->b, e->t_int, e->t_int, n));
}

/* A key or value the IR gives only a size: the kernel checks BTF keys and
 * values of maps that have one against their sizes, so it gets a type of
 * that size (u32, u64, u64[n] or char[n]). */
static uint32_t raw_type(Enc *e, uint32_t size)
{
	if (size == 4)
		return e->t_uint;
	if (size == 8)
		return e->t_ulong;
	if (size % 8 == 0)
		return btf_add_array(&e->b, e->t_ulong, e->t_int, size / 8);
	return btf_add_array(&e->b, e->t_char, e->t_int, size);
}

static uint32_t kv_type(Enc *e, const IrLayout *l, uint32_t size)
{
	return btf_add_ptr(&e->b, l ? layout_type(e, l) : raw_type(e, size));
}

/* A STACK_TRACE map is u32 -> u64[frames] whatever the layouts say. */
static uint32_t map_def(Enc *e, const IrMap *m)
{
	const char *names[5];
	uint32_t types[5];
	int n = 0, stack = m->type == BPF_MAP_TYPE_STACK_TRACE;
	names[n] = "type", types[n++] = uint_member(e, m->type);
	names[n] = "max_entries", types[n++] = uint_member(e, m->max_entries);
	if (m->flags)
		names[n] = "map_flags", types[n++] = uint_member(e, m->flags);
	if (stack || m->key || m->key_size)
		names[n] = "key", types[n++] = kv_type(e, stack ? NULL : m->key, stack ? 4 : m->key_size);
	if (stack || m->value || m->value_size)
		names[n] = "value", types[n++] = kv_type(e, stack ? NULL : m->value, m->value_size);
	uint32_t id = btf_add_struct(&e->b, NULL, n * 8);
	for (int i = 0; i < n; i++)
		btf_add_member(&e->b, names[i], types[i], i * 64);
	return id;
}

static void maps_sec(Enc *e, const ObjFile *o, const ObjPlace *pl)
{
	const IrModule *mod = o->mod;
	if (!mod->nmaps)
		return;
	uint32_t *vars = xcalloc(mod->nmaps, sizeof(*vars));
	for (int i = 0; i < mod->nmaps; i++)
		vars[i] = btf_add_var(&e->b, mod->maps[i].name, map_def(e, &mod->maps[i]),
				  BTF_VAR_GLOBAL_ALLOCATED);
	btf_add_datasec(&e->b, ".maps", pl->maps_size);
	for (int i = 0; i < mod->nmaps; i++)
		btf_add_secinfo(&e->b, vars[i], pl->map_off[i], btf_map_def_size(&mod->maps[i]));
	free(vars);
}

static int var_cmp(const void *a, const void *b)
{
	const IrVar *x = *(IrVar *const *)a, *y = *(IrVar *const *)b;
	return (x->off > y->off) - (x->off < y->off);
}

/* The kernel wants a DATASEC's entries in ascending order. */
static void data_sec(Enc *e, const IrData *d, const char *name)
{
	if (d->size <= 0)
		return;
	const IrVar **v = xcalloc(d->nvars + 1, sizeof(*v));
	uint32_t *ids = xcalloc(d->nvars + 1, sizeof(*ids));
	int n = 0;
	for (int i = 0; i < d->nvars; i++)
		if (d->vars[i].layout)
			v[n++] = &d->vars[i];
	qsort(v, n, sizeof(*v), var_cmp);
	for (int i = 0; i < n; i++)
		ids[i] = btf_add_var(&e->b, v[i]->name, layout_type(e, v[i]->layout),
				 BTF_VAR_GLOBAL_ALLOCATED);
	btf_add_datasec(&e->b, name, d->size);
	for (int i = 0; i < n; i++)
		btf_add_secinfo(&e->b, ids[i], v[i]->off, v[i]->layout->size);
	free(v);
	free(ids);
}

/* Programs are `int name(unsigned long *ctx)`: with `void *` the verifier
 * starts every log with a complaint that it cannot size the argument.
 * Subprograms are `long name(long p0, ...)`, a string buffer parameter
 * `char (*p0)[N]`: the verifier checks a global function once, with
 * unknown numbers and N bytes of memory (maybe NULL) as arguments, and
 * needs N; a static one in each caller's context. */
static uint32_t func_type(Enc *e, const ObjProg *p, int is_text)
{
	const IrFunc *f = p->func;
	uint32_t proto;
	if (!is_text) {
		uint32_t ctx = btf_add_ptr(&e->b, e->t_ulong);
		proto = btf_add_proto(&e->b, e->t_int);
		btf_add_param(&e->b, "ctx", ctx);
		return btf_add_func(&e->b, f->name, proto, BTF_FUNC_GLOBAL);
	}
	uint32_t buf = f->bufs ? btf_add_ptr(&e->b, btf_add_array(&e->b, e->t_char, e->t_int, f->bufsize)) : 0;
	proto = btf_add_proto(&e->b, e->t_long);
	for (int i = 0; i < f->nparams; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		btf_add_param(&e->b, name, f->bufs & 1 << i ? buf : e->t_long);
	}
	return btf_add_func(&e->b, f->name, proto, f->global ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC);
}

/* A kfunc's FUNC_PROTO from its letters (common/uhelpers.h); libbpf
 * checks it against the kernel's. */
static uint32_t kfunc_type(Enc *e, int64_t id)
{
	const char *p = kfunc_proto(id);
	uint32_t t[8] = {0};
	int n = 0;
	for (const char *c = p; *c && n < 8; c++) {
		switch (*c) {
		case 'i':
			t[n++] = e->t_int;
			break;
		case 'I':
			if (!e->t_int_ptr)
				e->t_int_ptr = btf_add_ptr(&e->b, e->t_int);
			t[n++] = e->t_int_ptr;
			break;
		case 'n':
			if (!e->t_iter_ptr)
				e->t_iter_ptr = btf_add_ptr(&e->b, btf_add_struct(&e->b, "bpf_iter_num", 8));
			t[n++] = e->t_iter_ptr;
			break;
		default:	/* 'v' */
			t[n++] = 0;
		}
	}
	uint32_t proto = btf_add_proto(&e->b, t[0]);
	for (int i = 1; i < n; i++)
		btf_add_param(&e->b, NULL, t[i]);
	return btf_add_func(&e->b, helper_name(id), proto, BTF_FUNC_EXTERN);
}

/* The kfuncs called: extern FUNCs in a .ksyms DATASEC, as clang makes
 * them; libbpf finds them there. */
static void ksyms_sec(Enc *e, const ObjPlace *pl)
{
	if (!pl->nkfuncs)
		return;
	uint32_t ids[KF_END_ - KF_BASE];
	for (int i = 0; i < pl->nkfuncs; i++)
		ids[i] = kfunc_type(e, pl->kfuncs[i]);
	btf_add_datasec(&e->b, ".ksyms", 0);
	for (int i = 0; i < pl->nkfuncs; i++)
		btf_add_secinfo(&e->b, ids[i], 0, 0);
}

void btf_encode_obj(const ObjFile *o, const ObjPlace *pl, Buf *btf, Buf *ext)
{
	Enc e = { 0 };
	btf_init(&e.b);
	base_types(&e);
	maps_sec(&e, o, pl);
	ksyms_sec(&e, pl);
	for (int i = 0; i < DATA_NSEC; i++)
		data_sec(&e, &o->mod->data[i], data_sec_names[i]);
	uint32_t *funcs = xcalloc(o->nprogs + 1, sizeof(*funcs));
	for (int i = 0; i < o->nprogs; i++)
		if (pl->sec[i] >= 0)
			funcs[i] = func_type(&e, &o->progs[i], !strcmp(pl->secs[pl->sec[i]].name, ".text"));
	btf_encode_ext(&e.b, o, pl, funcs, ext);
	btf_emit(&e.b, btf);
	free(funcs);
	btf_free(&e.b);
}

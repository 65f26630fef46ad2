/* The BTF encoder: types appended to one buffer, strings to another.
 * The structs of linux/btf.h are written as they are in memory, so the
 * host must be little-endian like the BPF target. */
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include "btf.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "BTF is written in host order");

void btf_init(Btf *b)
{
	memset(b, 0, sizeof(*b));
	buf_addstr(&b->strs, "");
}

void btf_free(Btf *b)
{
	buf_free(&b->types);
	buf_free(&b->strs);
	free(b->hash);
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void rehash(Btf *b)
{
	uint32_t *old = b->hash, oldcap = b->hcap;
	b->hcap = oldcap ? 2 * oldcap : 64;
	b->hash = xcalloc(b->hcap, sizeof(*b->hash));
	for (uint32_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		uint32_t h = hash_str((char *)b->strs.p + old[i] - 1) & (b->hcap - 1);
		while (b->hash[h])
			h = (h + 1) & (b->hcap - 1);
		b->hash[h] = old[i];
	}
	free(old);
}

uint32_t btf_str(Btf *b, const char *s)
{
	if (!s || !*s)
		return 0;
	if (2 * (b->hcount + 1) > b->hcap)
		rehash(b);
	uint32_t h = hash_str(s) & (b->hcap - 1);
	for (; b->hash[h]; h = (h + 1) & (b->hcap - 1))
		if (!strcmp((char *)b->strs.p + b->hash[h] - 1, s))
			return b->hash[h] - 1;
	uint32_t off = buf_addstr(&b->strs, s);
	b->hash[h] = off + 1;
	b->hcount++;
	return off;
}

static uint32_t add_type(Btf *b, const char *name, int kind, int vlen, uint32_t size_type)
{
	struct btf_type t = {
		.name_off = btf_str(b, name),
		.info = (uint32_t)kind << 24 | vlen,
		.size = size_type,
	};
	b->last = b->types.len;
	buf_add(&b->types, &t, sizeof(t));
	return ++b->ntypes;
}

/* Members, params and section entries each add one to the vlen of the
 * type just added. */
static void add_entry(Btf *b, const void *e, size_t n)
{
	struct btf_type *t = (struct btf_type *)(b->types.p + b->last);
	t->info++;
	buf_add(&b->types, e, n);
}

uint32_t btf_add_int(Btf *b, const char *name, uint32_t size, uint32_t enc)
{
	uint32_t id = add_type(b, name, BTF_KIND_INT, 0, size);
	uint32_t data = enc << 24 | size * 8;
	buf_add(&b->types, &data, 4);
	return id;
}

uint32_t btf_add_ptr(Btf *b, uint32_t type)
{
	return add_type(b, NULL, BTF_KIND_PTR, 0, type);
}

uint32_t btf_add_typedef(Btf *b, const char *name, uint32_t type)
{
	return add_type(b, name, BTF_KIND_TYPEDEF, 0, type);
}

uint32_t btf_add_array(Btf *b, uint32_t elem, uint32_t index, uint32_t nelems)
{
	uint32_t id = add_type(b, NULL, BTF_KIND_ARRAY, 0, 0);
	struct btf_array a = { elem, index, nelems };
	buf_add(&b->types, &a, sizeof(a));
	return id;
}

uint32_t btf_add_struct(Btf *b, const char *name, uint32_t size)
{
	return add_type(b, name, BTF_KIND_STRUCT, 0, size);
}

uint32_t btf_add_composite(Btf *b, const char *name, int kind, int kflag, uint32_t size)
{
	uint32_t id = add_type(b, name, kind, 0, size);
	((struct btf_type *)(b->types.p + b->last))->info |= (uint32_t)!!kflag << 31;
	return id;
}

uint32_t btf_add_enum(Btf *b, const char *name, uint32_t size, int is_signed)
{
	uint32_t id = add_type(b, name, BTF_KIND_ENUM, 0, size);
	((struct btf_type *)(b->types.p + b->last))->info |= (uint32_t)!!is_signed << 31;
	return id;
}

void btf_add_enumval(Btf *b, const char *name, int32_t val)
{
	struct btf_enum v = { btf_str(b, name), val };
	add_entry(b, &v, sizeof(v));
}

void btf_add_member(Btf *b, const char *name, uint32_t type, uint32_t bitoff)
{
	struct btf_member m = { btf_str(b, name), type, bitoff };
	add_entry(b, &m, sizeof(m));
}

uint32_t btf_add_proto(Btf *b, uint32_t ret)
{
	return add_type(b, NULL, BTF_KIND_FUNC_PROTO, 0, ret);
}

void btf_add_param(Btf *b, const char *name, uint32_t type)
{
	struct btf_param p = { btf_str(b, name), type };
	add_entry(b, &p, sizeof(p));
}

uint32_t btf_add_func(Btf *b, const char *name, uint32_t proto, uint32_t linkage)
{
	return add_type(b, name, BTF_KIND_FUNC, linkage, proto);
}

uint32_t btf_add_var(Btf *b, const char *name, uint32_t type, uint32_t linkage)
{
	uint32_t id = add_type(b, name, BTF_KIND_VAR, 0, type);
	struct btf_var v = { linkage };
	buf_add(&b->types, &v, sizeof(v));
	return id;
}

uint32_t btf_add_datasec(Btf *b, const char *name, uint32_t size)
{
	return add_type(b, name, BTF_KIND_DATASEC, 0, size);
}

void btf_add_secinfo(Btf *b, uint32_t var, uint32_t off, uint32_t size)
{
	struct btf_var_secinfo s = { var, off, size };
	add_entry(b, &s, sizeof(s));
}

void btf_emit(const Btf *b, Buf *out)
{
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(h),
		.type_off = 0,
		.type_len = b->types.len,
		.str_off = b->types.len,
		.str_len = b->strs.len,
	};
	buf_add(out, &h, sizeof(h));
	buf_add(out, b->types.p, b->types.len);
	buf_add(out, b->strs.p, b->strs.len);
}

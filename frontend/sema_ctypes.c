/* Typed data (docs/language.md §13): ffi.cast, curtask, ppid, and field and
 * index reads through typed pointers, resolved against the kernel's BTF
 * into a CAccess that lowering compiles with CO-RE relocations. */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "common/util.h"
#include "sema_int.h"
#include "ctypes.h"

/* The kernel's BTF; a missing one is reported once. */
static struct btf *kernel_btf(Sema *S, Node *at)
{
	const char *why;
	struct btf *btf = ctypes_btf(&why);
	if (!btf && !S->no_btf)
		diag_error(S->d, DC_BTF, at->loc, "%s", why);
	S->no_btf |= !btf;
	return btf;
}

Type *ptr_type(Sema *S, Loc at, uint32_t id, int user)
{
	Type *t = type_new(S, TY_PTR, at);
	t->ctype = id;
	t->user = user;
	return t;
}

/* char, signed char, unsigned char, but not a typedef like u8: bytes
 * that are text. */
static int is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && btf_is_mod(t))
		t = btf__type_by_id(btf, t->type);
	const char *name = t && btf_is_int(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
	return name && t->size == 1 && strstr(name, "char");
}

/* The value a read of type id gives, into a. */
static Type *read_result(Sema *S, Node *n, CAccess *a, const struct btf *btf, uint32_t id,
			 uint32_t bit_size)
{
	uint32_t sid = ctype_skip(btf, id);
	const struct btf_type *t = btf__type_by_id(btf, sid);
	if (t && (btf_is_int(t) || btf_is_any_enum(t))) {
		a->kind = CA_INT;
		a->size = t->size;
		a->is_signed = btf_is_int(t) ? !!(btf_int_encoding(t) & BTF_INT_SIGNED) : btf_kflag(t);
		a->bitfield = bit_size != 0;
		return type_new(S, TY_NUM, n->loc);
	}
	if (t && btf_is_ptr(t)) {
		a->kind = CA_PTR;
		return ptr_type(S, n->loc, t->type, a->user);
	}
	if (t && btf_is_array(t) && is_char(btf, btf_array(t)->type)) {
		a->kind = CA_STR;
		a->size = btf_array(t)->nelems;
		return type_new(S, TY_STR, n->loc);
	}
	if (t && (btf_is_array(t) || btf_is_composite(t))) {
		a->kind = CA_ADDR;
		return ptr_type(S, n->loc, sid, a->user);
	}
	char buf[160];
	diag_error(S->d, DC_UNREADABLE_TYPE, n->loc, "a value of type '%s' cannot be read", ctype_name(btf, id, buf, sizeof buf));
	return type_var(S, n->loc);
}

/* A new access, or the one of n->a continued when that is an object not
 * yet read (p.a.b with a embedded, p.arr[i]). */
static CAccess *access_from(Node *n, int *continued)
{
	Node *prev = n->a;
	CAccess *a = xcalloc(1, sizeof(*a));
	*continued = prev->cacc && prev->cacc->kind == CA_ADDR;
	if (*continued) {
		*a = *prev->cacc;
	} else {
		a->base = prev;
		a->user = type_repr(prev->type)->user;
	}
	return a;
}

static Type *done(Sema *S, Node *n, CAccess *a, const struct btf *btf, uint32_t id,
		  uint32_t bit_size)
{
	if (!a->base->cacc && a->base->kind != N_BUILTIN)	/* once per chain */
		ctx_use(S, n, CTX_KERNEL, "reading typed data");
	n->cacc = a;
	n->kind = N_CREAD;	/* no table entry, no event field: never nil, never assigned */
	return set_type(S, n, read_result(S, n, a, btf, id, bit_size));
}

static Type *cerror(Sema *S, Node *n, CAccess *a)
{
	free(a);
	return set_type(S, n, type_var(S, n->loc));
}

/* p.name: n->a is a typed pointer. */
Type *check_cfield(Sema *S, Node *n)
{
	struct btf *btf = kernel_btf(S, n);
	Type *pt = type_repr(n->a->type);
	if (!pt->ctype)
		return set_type(S, n, type_var(S, n->loc));
	uint32_t sid = ctype_skip(btf, pt->ctype);
	const struct btf_type *t = btf__type_by_id(btf, sid);
	char tn[160];
	ctype_name(btf, sid, tn, sizeof tn);
	n->num = 0;
	if (!t || !btf_is_composite(t)) {
		diag_error(S->d, DC_NOT_STRUCT, n->loc, "'%s' is not a struct or union: it has no field '%s'", tn, n->str);
		return set_type(S, n, type_var(S, n->loc));
	}
	CMember m;
	const char *near;
	if (ctype_member(btf, sid, n->str, &m, &near)) {
		if (near) {
			diag_error(S->d, DC_UNKNOWN_FIELD, n->loc, "'%s' has no field '%s'; did you mean '%s'?", tn, n->str, near);
			diag_fixit(S->d, loc_tail(n->loc, strlen(n->str)), near);
		} else
			diag_error(S->d, DC_UNKNOWN_FIELD, n->loc, "'%s' has no field '%s'", tn, n->str);
		return set_type(S, n, type_var(S, n->loc));
	}
	int cont;
	CAccess *a = access_from(n, &cont);
	CStep *s = cont ? &a->steps[a->nsteps - 1] : NULL;	/* an object has a step */
	if (s && s->root) {	/* a member of an embedded member: one longer path */
		if (s->m.n + m.n > CT_MAXDEPTH) {
			diag_error(S->d, DC_READ_TOO_LONG, n->loc, "fields nested too deeply (at most %d levels)", CT_MAXDEPTH);
			return cerror(S, n, a);
		}
		memcpy(s->m.idx + s->m.n, m.idx, m.n * sizeof(int));
		s->m.n += m.n;
		s->m.bit_off += m.bit_off;
		s->m.type = m.type;
		s->m.bit_size = m.bit_size;
		return done(S, n, a, btf, m.type, m.bit_size);
	}
	if (!*btf__name_by_offset(btf, t->name_off)) {
		diag_error(S->d, DC_ANON_FIELD, n->loc, "the fields of an anonymous %s can only be read through the "
			   "struct that contains it", btf_is_union(t) ? "union" : "struct");
		return cerror(S, n, a);
	}
	if (a->nsteps == CA_MAXSTEPS) {
		diag_error(S->d, DC_READ_TOO_LONG, n->loc, "this read is too long (at most %d steps)", CA_MAXSTEPS);
		return cerror(S, n, a);
	}
	a->steps[a->nsteps++] = (CStep){ .root = sid, .m = m };
	return done(S, n, a, btf, m.type, m.bit_size);
}

/* p[i] or p.arr[i]: n->a is a typed pointer. */
Type *check_cindex(Sema *S, Node *n)
{
	struct btf *btf = kernel_btf(S, n);
	Type *pt = type_repr(n->a->type);
	if (!pt->ctype)
		return set_type(S, n, type_var(S, n->loc));
	Node *key = n->list.n == 1 ? n->list.v[0] : NULL;
	if (!key) {
		diag_error(S->d, DC_INDEX_COUNT, n->loc, "a typed pointer or array takes one index");
		return set_type(S, n, type_var(S, n->loc));
	}
	if (check_expr(S, key))
		expect_kind(S, key, TY_NUM, "an array index");
	const struct btf_type *t = btf__type_by_id(btf, ctype_skip(btf, pt->ctype));
	int cont;
	CAccess *a = access_from(n, &cont);
	uint32_t elem = pt->ctype;
	if (cont && btf_is_array(t)) {
		elem = btf_array(t)->type;
		if (key->kind == N_NUM && (key->num < 0 || key->num >= btf_array(t)->nelems)) {
			diag_error(S->d, DC_INDEX_RANGE, key->loc, "index %lld is outside the array (%u elements)",
				   (long long)key->num, btf_array(t)->nelems);
			return cerror(S, n, a);
		}
	} else if (cont) {	/* an embedded struct indexed as a pointer: from its address */
		memset(a, 0, sizeof(*a));
		a->base = n->a;
		a->user = pt->user;
	}
	int64_t stride = btf__resolve_size(btf, elem);
	if (stride <= 0 || a->nsteps == CA_MAXSTEPS) {
		char buf[160];
		diag_error(S->d, DC_READ_TOO_LONG, n->loc, a->nsteps == CA_MAXSTEPS ? "this read is too long" :
			   "'%s' has no size: it cannot be indexed", ctype_name(btf, elem, buf, sizeof buf));
		return cerror(S, n, a);
	}
	a->steps[a->nsteps++] = (CStep){ .index = key, .stride = stride };
	return done(S, n, a, btf, elem, 0);
}

/* ffi.cast("struct T *", p): p as a typed pointer. */
Type *check_ffi_cast(Sema *S, Node *n)
{
	Node *decl = n->list.n == 2 ? n->list.v[0] : NULL;
	Type *bad = ptr_type(S, n->loc, 0, 0);	/* reads through it say nothing more */
	if (!decl || decl->kind != N_STR) {
		diag_error(S->d, DC_ARG_CONSTANT, decl ? decl->loc : n->loc, "the type of ffi.cast must be a string literal");
		return bad;
	}
	struct btf *btf = kernel_btf(S, decl);
	if (!btf)
		return bad;
	uint32_t id;
	int user;
	char err[256];
	if (ctype_parse(btf, decl->str, &id, &user, err, sizeof err)) {
		diag_error(S->d, DC_CAST, decl->loc, "%s", err);
		return bad;
	}
	return ptr_type(S, n->loc, id, user);
}

/* curtask and ppid (= curtask.real_parent.tgid). */
Type *check_task_var(Sema *S, Node *n)
{
	struct btf *btf = kernel_btf(S, n);
	if (n->num == B_PPID && !btf) {
		ctx_use(S, n, CTX_KERNEL, "builtin variable 'ppid'");
		return set_type(S, n, type_new(S, TY_NUM, n->loc));
	}
	if (n->num == B_PPID) {
		Node *task = node_new(N_BUILTIN, n->loc), *parent = node_new(N_FIELD, n->loc);
		task->num = B_CURTASK;
		task->op = 1;	/* made here: ppid's context is checked, not its own */
		parent->a = task;
		parent->str = xstrdup("real_parent");
		n->kind = N_FIELD;
		n->a = parent;
		n->str = xstrdup("tgid");
		n->num = 0;
		ctx_use(S, n, CTX_KERNEL, "builtin variable 'ppid'");
		return check_expr(S, n);
	}
	if (!n->op)
		ctx_use(S, n, CTX_KERNEL, "builtin variable 'curtask'");
	int id = btf ? btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) : -1;
	if (btf && id <= 0)
		diag_error(S->d, DC_BTF, n->loc, "the kernel's BTF has no 'struct task_struct'");
	return set_type(S, n, ptr_type(S, n->loc, id > 0 ? id : 0, 0));	/* 0: reads say no more */
}

/* ntop(x) (docs/language.md §13): an IPv4 or IPv6 address as one value type,
 * TY_ADDR, so that either family can go into one variable or one table
 * key; the runtime renders it as text. Which form x has follows from its
 * type alone: sema records the address's length in the call (op: 4 or 16)
 * and lowering follows. bpftrace's ntop(af, addr) is refused: a family
 * known only at run time would make the length unknown when compiling. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/btf.h>
#include "sema_int.h"
#include "ctypes.h"
#include "common/ktapobj.h"
#include "common/util.h"

/* The length of the address a typed pointer points to: a 4- or 16-byte
 * array, or a struct in6_addr; 0 for anything else, -1 when no BTF
 * (already reported). */
static int pointee_len(const Type *p)
{
	const char *why;
	struct btf *btf = ctypes_btf(&why);
	if (!btf || !p->ctype)
		return -1;
	uint32_t id = ctype_skip(btf, p->ctype);
	const struct btf_type *t = btf__type_by_id(btf, id);
	int64_t size = btf__resolve_size(btf, id);
	if (t && btf_is_array(t) && (size == 4 || size == 16))
		return size;
	if (t && btf_is_struct(t) && size == 16 && !strcmp(btf__name_by_offset(btf, t->name_off), "in6_addr"))
		return 16;
	return 0;
}

static int addr_len(Type *t)
{
	switch (t->kind) {
	case TY_NUM: return 4;
	case TY_ADDR: return 16;	/* already one: ntop changes nothing */
	case TY_ARRAY: return t->count * t->elem == 4 || t->count * t->elem == 16 ? t->count * t->elem : 0;
	case TY_PTR: return pointee_len(t);
	default: return 0;
	}
}

Type *check_ntop(Sema *S, Node *n)
{
	if (n->list.n != 1) {
		diag_error(S->d, DC_ARG_COUNT, n->loc, "ntop takes one argument, the address: its family follows "
			   "from its type (bpftrace's ntop(af, addr) is not accepted)");
		return type_new(S, TY_ADDR, n->loc);
	}
	Node *x = n->list.v[0];
	if (x && x->type && type_repr(x->type)->kind != TY_ADDR)
		check_addr_buffer(S, n);
	if (x && x->type && type_repr(x->type)->kind == TY_VAR)
		expect_kind(S, x, TY_NUM, "the argument of ntop");
	Type *t = x && x->type ? type_repr(x->type) : NULL;
	n->op = t ? addr_len(t) : -1;
	if (!n->op && t->kind == TY_ARRAY)
		diag_error(S->d, DC_ARG_TYPE, x->loc, "ntop takes an IPv4 address (a number or a 4-byte array) or an "
			   "IPv6 address (a 16-byte array or a struct in6_addr), not an array of %d bytes",
			   t->count * t->elem);
	else if (!n->op)
		diag_error(S->d, DC_ARG_TYPE, x->loc, "ntop takes an IPv4 address (a number or a 4-byte array) or an "
			   "IPv6 address (a 16-byte array or a struct in6_addr), not a %s", type_name(t));
	return type_new(S, TY_ADDR, n->loc);
}

/* A string literal compared with an address is an address too, parsed
 * here so that the kernel compares bytes: the node's text becomes the
 * value's KTAP_ADDR_SIZE bytes. Returns the literal's type, new or t. */
Type *ntop_literal(Sema *S, Node *lit, Type *t, Type *other)
{
	if (!lit || lit->kind != N_STR || !t || !other || type_repr(other)->kind != TY_ADDR)
		return t;
	unsigned char v[KTAP_ADDR_SIZE] = { 0 };
	uint64_t family = inet_pton(AF_INET, lit->str, v + 8) == 1  ? AF_INET :
			  inet_pton(AF_INET6, lit->str, v + 8) == 1 ? AF_INET6 : 0;
	if (!family) {
		diag_error(S->d, DC_ADDRESS, lit->loc, "'%s' is not an IPv4 or IPv6 address", lit->str);
	} else {
		memcpy(v, &family, sizeof family);
		free(lit->str);
		lit->str = xmalloc(sizeof v);
		memcpy(lit->str, v, sizeof v);
		lit->len = sizeof v;
	}
	return set_type(S, lit, type_new(S, TY_ADDR, lit->loc));
}

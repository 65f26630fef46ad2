/* Rules that come from how a script becomes BPF but follow from the
 * source alone: sema checks them, so that -fsyntax-only reports every
 * error a full compile does, and lowering relies on them (docs/semantics.md,
 * "Where rules live"). */
#include "common/ktapobj.h"
#include "sema_int.h"

/* A value passed in a buffer rather than in a register. */
static int in_buffer(Type *t)
{
	TypeKind k = type_repr(t)->kind;
	return k == TY_STR || k == TY_ADDR || k == TY_ARRAY;
}

int func_bpf_args(const Func *f)
{
	int n = in_buffer(f->ret);	/* the caller's buffer for the result */
	for (int i = 0; f->params && i < f->params->n; i++)
		n += 1 + f->locals[i]->nilable;
	return n;
}

/* BPF passes five arguments in registers, in a probe and (its calling
 * convention being the same) in ktap's interpreter. */
void check_params(Sema *S)
{
	enum { BPF_ARGS = 5 };
	for (int i = 0; i < S->prog.nfuncs; i++) {
		Func *f = S->prog.funcs[i];
		if (f->kind == FN_USER && func_bpf_args(f) > BPF_ARGS)
			diag_error(S->d, DC_TOO_MANY_PARAMS, f->site->loc, "a function can take at most %d parameters "
				   "(one that may be nil counts twice)", BPF_ARGS - in_buffer(f->ret));
	}
}

static int concat_parts(const Node *n)
{
	if (n->kind == N_BINOP && n->op == TK_CONCAT)
		return concat_parts(n->a) + concat_parts(n->b);
	return 1;
}

/* a .. b .. c is one bpf_snprintf, which takes KTAP_CONCAT_MAX values. */
void check_concat(Sema *S, Node *chain)
{
	if (concat_parts(chain) > KTAP_CONCAT_MAX)
		diag_error(S->d, DC_TOO_MANY_VALUES, chain->loc, "at most %d values can be joined with '..' in one "
			   "expression", KTAP_CONCAT_MAX);
}

/* A whole array field is copied into a --strlen buffer; args.F[constant]
 * is read from the event's record and needs none. */
void check_array_value(Sema *S, Node *n, const EventField *fl)
{
	if (fl->size > S->opt.strlen && (n != S->elem_of || n->kind != N_FIELD))
		diag_error(S->d, DC_ARRAY_FIELD_SIZE, n->loc, "array field '%s' has %d bytes, more than a value holds "
			   "(--strlen %d): index it by constants, or raise --strlen", fl->name,
			   fl->size, S->opt.strlen);
}

/* ntop's value, {family, address}, is made in a --strlen buffer. */
void check_addr_buffer(Sema *S, Node *call)
{
	if (S->opt.strlen < KTAP_ADDR_SIZE)
		diag_error(S->d, DC_STRLEN_TOO_SMALL, call->loc, "an address takes %d bytes: ntop needs --strlen %d or more",
			   KTAP_ADDR_SIZE, KTAP_ADDR_SIZE);
}

/* Text for people (docs/language.md §14): time(), strftime(), syscall_name(),
 * errno_name(). Code that runs only in user context gets strings (the
 * runtime formats them when called); code that may run in the kernel gets
 * the number, typed so that printing it (print, printf, a table's key or
 * value) shows the name or the time: the kernel cannot make the text. */
#include <string.h>
#include "sema_int.h"

/* Main chunk, tick and trace_end: a user function may be called from a
 * probe too, and its types are one for both. */
static int user_only(Sema *S)
{
	return S->func->kind != FN_USER && S->func->ctx == CTX_USER;
}

Type *check_text_call(Sema *S, Node *n, TypeKind k)
{
	if (user_only(S))
		return type_new(S, TY_STR, n->loc);
	Type *t = type_new(S, k, n->loc);
	if (k != TY_TIME)
		return t;
	Node *fmt = n->list.n ? n->list.v[0] : NULL;
	t->fmt = KTAP_TIME_FMT;
	if (fmt && fmt->kind == N_STR && fmt->str && !memchr(fmt->str, 0, fmt->len))
		t->fmt = fmt->str;
	else if (fmt && fmt->type && type_repr(fmt->type)->kind == TY_STR)	/* else reported */
		diag_error(S->d, DC_ARG_CONSTANT, fmt->loc, "the format of %s must be a string literal in a probe or "
			   "a function (the runtime formats the time from the object)",
			   n->num == F_TIME ? "time()" : "strftime()");
	return t;
}

int is_text_number(Type *t)
{
	TypeKind k = type_repr(t)->kind;
	return k == TY_SYSCALL || k == TY_ERRNO || k == TY_TIME;
}

/* Why a name or a time is not a string here, for the error at a use that
 * needs one. */
void text_hint(Sema *S, Loc at, Type *t)
{
	TypeKind k = type_repr(t)->kind;
	if (!is_text_number(t))
		return;
	diag_note(S->d, at, "in a probe or a function, %s is a number that printing turns into "
		  "text (print, printf, table keys and values); %s", k == TY_TIME ? "a time" : "a name",
		  k == TY_TIME ? "compute with gettimeofday_ns()" :
		  "to test it, compare the number (e.g. args.__syscall_nr == 257)");
}

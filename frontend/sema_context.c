/* Contexts of user functions (from their calls, transitively), recursion
 * from kernel context, and the checks that waited for both. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

static void propagate(Sema *S)
{
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < S->calls.n; i++) {
			Call *c = &S->calls.v[i];
			if (c->from->ctx & ~c->to->ctx) {
				c->to->ctx |= c->from->ctx;
				changed = 1;
			}
		}
	}
}

/* Depth-first search for a cycle through kernel-context functions. */
static void find_cycle(Sema *S, Func *f, Func **stack, int depth)
{
	FuncInfo *fi = func_info(S, f);
	fi->visiting = 1;
	stack[depth] = f;
	for (int i = 0; i < S->calls.n; i++) {
		Call *c = &S->calls.v[i];
		if (c->from != f)
			continue;
		FuncInfo *ti = func_info(S, c->to);
		if (ti->visiting) {
			Buf b = {0};
			int k = depth;
			while (k > 0 && stack[k] != c->to)
				k--;
			for (; k <= depth; k++) {
				buf_add(&b, stack[k]->name, strlen(stack[k]->name));
				buf_add(&b, " -> ", 4);
			}
			buf_add(&b, c->to->name, strlen(c->to->name) + 1);
			diag_error(S->d, DC_RECURSION, c->loc, "recursion is not allowed in kernel context: %s",
				   (char *)b.p);
			buf_free(&b);
		} else if (!ti->done) {
			find_cycle(S, c->to, stack, depth + 1);
		}
	}
	fi->visiting = 0;
	fi->done = 1;
}

static void check_recursion(Sema *S)
{
	Func **stack = xcalloc(S->prog.nfuncs + 1, sizeof *stack);
	for (int i = 0; i < S->prog.nfuncs; i++) {
		Func *f = S->prog.funcs[i];
		if (f->kind == FN_USER && (f->ctx & CTX_KERNEL) && !func_info(S, f)->done)
			find_cycle(S, f, stack, 0);
	}
	free(stack);
}

/* A call into f from the context bit ctx, to show why f runs there. */
static Call *call_from(Sema *S, Func *f, int ctx)
{
	for (int i = 0; i < S->calls.n; i++)
		if (S->calls.v[i].to == f && (S->calls.v[i].from->ctx & ctx))
			return &S->calls.v[i];
	return NULL;
}

static void check_uses(Sema *S)
{
	for (int i = 0; i < S->uses.n; i++) {
		CtxUse *u = &S->uses.v[i];
		if (u->written) {
			Type *t = type_repr(u->written);
			if (t->kind == TY_TABLE && (u->func->ctx & CTX_KERNEL))
				t->table->kernel_written = 1;
			continue;
		}
		int bad = u->func->ctx & ~u->allowed;
		if (!bad)
			continue;
		const char *where = bad & CTX_KERNEL ? "kernel" : "user";
		diag_error(S->d, DC_WRONG_CONTEXT, u->node->loc, "%s is only allowed in %s context, but function "
			   "'%s' is called from %s context", u->what, where[0] == 'k' ? "user" : "kernel",
			   u->func->name, where);
		Call *c = call_from(S, u->func, bad);
		if (c)
			diag_note(S->d, c->loc, "called from %s context here", where);
	}
}

void check_contexts(Sema *S)
{
	propagate(S);
	check_recursion(S);
	check_uses(S);
}

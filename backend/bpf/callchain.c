/* Limits that span functions. The verifier allows 8 nested frames (a
 * program, the BPF-to-BPF calls it makes and the bpf_loop callbacks they
 * start) and 512 bytes of stack summed along any chain of them (each frame
 * rounded up to 32 bytes). A single function can be within its limits and a
 * chain of them not, so the chains are checked here, at compile time. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

enum { MAX_FRAMES = 8, MAX_STACK = 512 };

/* The deepest and the most stack-hungry chain starting at a function. */
typedef struct Chain {
	int frames, next_frames;
	int stack, next_stack;
	char done;
} Chain;

static int round32(int n)
{
	return (n + 31) & ~31;
}

/* Sema refuses recursion in the kernel, so the call graph has no cycles. */
static const Chain *worst(const ObjFile *o, int i, Chain *memo)
{
	Chain *c = &memo[i];
	if (c->done)
		return c;
	c->done = 1;
	const ObjProg *p = &o->progs[i];
	*c = (Chain){ 1, -1, round32(p->stack_size), -1, 1 };
	for (int k = 0; k < p->nrelocs; k++) {
		const ObjReloc *r = &p->relocs[k];
		if ((r->kind != REL_CALL && r->kind != REL_FUNC) || r->target < 0 || r->target >= o->nprogs)
			continue;
		const Chain *s = worst(o, r->target, memo);
		if (s->frames + 1 > c->frames)
			c->frames = s->frames + 1, c->next_frames = r->target;
		if (s->stack + round32(p->stack_size) > c->stack)
			c->stack = s->stack + round32(p->stack_size), c->next_stack = r->target;
	}
	return c;
}

/* "a -> b -> c", following the chain's next links from i. */
static char *path(const ObjFile *o, const Chain *memo, int i, int by_stack)
{
	Buf b = { 0 };
	for (; i >= 0; i = by_stack ? memo[i].next_stack : memo[i].next_frames) {
		if (b.len) {
			b.len--;
			buf_add(&b, " -> ", 4);
		}
		buf_addstr(&b, o->progs[i].func->name);
	}
	return (char *)b.p;
}

int bpf_check_chains(const ObjFile *o, Diag *d)
{
	Chain *memo = xcalloc(o->nprogs + 1, sizeof(Chain));
	int rc = 0;
	for (int i = 0; i < o->nprogs; i++) {
		const IrFunc *f = o->progs[i].func;
		if (!f || f->ctx != IRF_KERNEL || !f->section || !strcmp(f->section, ".text"))
			continue;
		const Chain *c = worst(o, i, memo);
		Loc at = { f->line, 1, f->line, 1 };
		if (c->frames > MAX_FRAMES) {
			char *p = path(o, memo, i, 0);
			diag_error(d, at, "calls nest %d deep from this probe (%s); the kernel allows %d",
				   c->frames, p, MAX_FRAMES);
			free(p);
			rc = -1;
		}
		if (c->stack > MAX_STACK) {
			char *p = path(o, memo, i, 1);
			diag_error(d, at, "this probe and the functions it calls need %d bytes of stack "
				   "together (%s); the kernel allows %d", c->stack, p, MAX_STACK);
			free(p);
			rc = -1;
		}
	}
	free(memo);
	return rc;
}

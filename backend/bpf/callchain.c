/* Limits that span functions. The verifier allows 8 nested frames (a
 * program, the BPF-to-BPF calls it makes and the bpf_loop callbacks they
 * start) and 512 bytes of stack summed along any chain of them (each frame
 * rounded up to 32 bytes); a program may have 256 subprograms and use 64
 * maps. A single function can be within its limits and the program it is
 * part of not, so whole programs are checked here, at compile time. */
#include <stdlib.h>
#include <string.h>
#include "bpf_internal.h"
#include "../../common/util.h"

enum { MAX_FRAMES = 8, MAX_STACK = 512, MAX_SUBPROGS = 256, MAX_MAPS = 64 };

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

/* Mark the functions program i is made of (itself and every function it
 * reaches) in funcs, and the maps they use in maps (the data sections after
 * the IrModule's maps). */
static void reach(const ObjFile *o, int i, char *funcs, char *maps)
{
	if (funcs[i])
		return;
	funcs[i] = 1;
	const ObjProg *p = &o->progs[i];
	for (int k = 0; k < p->nrelocs; k++) {
		const ObjReloc *r = &p->relocs[k];
		if ((r->kind == REL_CALL || r->kind == REL_FUNC) && r->target >= 0 && r->target < o->nprogs)
			reach(o, r->target, funcs, maps);
		else if (r->kind == REL_MAP && r->target >= 0 && r->target < o->mod->nmaps)
			maps[r->target] = 1;
		else if (r->kind == REL_DATA && r->target >= 0 && r->target < DATA_NSEC)
			maps[o->mod->nmaps + r->target] = 1;
	}
}

static int count(const char *set, int n)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		c += set[i];
	return c;
}

static int check_size(const ObjFile *o, int i, Diag *d, Loc at)
{
	int nmaps = o->mod->nmaps + DATA_NSEC, rc = 0;
	char *funcs = xcalloc(o->nprogs + 1, 1), *maps = xcalloc(nmaps, 1);
	reach(o, i, funcs, maps);
	int nf = count(funcs, o->nprogs), nm = count(maps, nmaps);
	if (nf > MAX_SUBPROGS) {
		diag_error(d, DC_PROGRAM_LIMIT, at, "this probe is made of %d functions (its body, the functions it "
			   "calls and a callback per loop); the kernel allows %d", nf, MAX_SUBPROGS);
		rc = -1;
	}
	if (nm > MAX_MAPS) {
		diag_error(d, DC_PROGRAM_LIMIT, at, "this probe uses %d maps (its tables, the global variables and "
			   "ktap's own); the kernel allows %d", nm, MAX_MAPS);
		rc = -1;
	}
	free(funcs);
	free(maps);
	return rc;
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
		if (check_size(o, i, d, at) < 0)
			rc = -1;
		if (c->frames > MAX_FRAMES) {
			char *p = path(o, memo, i, 0);
			diag_error(d, DC_PROGRAM_LIMIT, at, "calls nest %d deep from this probe (%s); the kernel allows %d",
				   c->frames, p, MAX_FRAMES);
			free(p);
			rc = -1;
		}
		if (c->stack > MAX_STACK) {
			char *p = path(o, memo, i, 1);
			diag_error(d, DC_PROGRAM_LIMIT, at, "this probe and the functions it calls need %d bytes of stack "
				   "together (%s); the kernel allows %d", c->stack, p, MAX_STACK);
			free(p);
			rc = -1;
		}
	}
	free(memo);
	return rc;
}

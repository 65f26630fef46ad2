/* The pass driver: the one place the passes of passes.h are listed and
 * run. It checks the IR as lowering left it, runs the passes to a fixpoint
 * (checking after each in debug builds: KTAP_DEBUG, set by SANITIZE=1),
 * and can stop after any pass for ktapc --emit=ir --after=PASS. */
#include <stdio.h>
#include <string.h>
#include "passes.h"
#include "check.h"

typedef struct Pass {
	const char *name;
	int (*run)(IrFunc *f);	/* whether it changed f */
} Pass;

/* One round, in order; rounds repeat until none changes anything. */
static const Pass passes[] = {
	{ "fold", ir_fold },
	{ "thread", ir_thread },
	{ "cse", ir_cse },
	{ "dse", ir_dse },
	{ "cfg", ir_simplify_cfg },
	{ "dce", ir_dce },
};
enum { NPASSES = sizeof(passes) / sizeof(passes[0]) };

/* Far more rounds than any function needs (each pass shrinks the function
 * or moves a constant closer to its use); a guard against two passes
 * undoing each other forever. */
enum { MAX_ROUNDS = 64 };

#ifdef KTAP_DEBUG
enum { CHECK_EACH = 1 };
#else
enum { CHECK_EACH = 0 };
#endif

int ir_pass_known(const char *name)
{
	for (int k = 0; k < NPASSES; k++)
		if (!strcmp(name, passes[k].name))
			return 1;
	return !strcmp(name, "lower") || !strcmp(name, "inline") || !strcmp(name, "order");
}

const char *ir_pass_names(void)
{
	static char names[256];
	if (names[0])
		return names;
	int w = snprintf(names, sizeof(names), "lower, inline");
	for (int k = 0; k < NPASSES; k++)
		w += snprintf(names + w, sizeof(names) - w, ", %s", passes[k].name);
	snprintf(names + w, sizeof(names) - w, ", order");
	return names;
}

/* ir_check_in, its message prefixed with where in the pipeline we are. */
static int check(const IrModule *m, const IrFunc *f, const char *after, char *err, size_t n)
{
	int w = snprintf(err, n, "after %s: ", after);
	if (w < 0 || (size_t)w >= n)
		return ir_check_in(m, f, NULL, 0);
	return ir_check_in(m, f, err + w, n - w);
}

static int stop(const char *after, const char *name)
{
	return after && !strcmp(after, name);
}

/* The passes on f, until none changes it or after the first run of after. */
static int optimize(const IrModule *m, IrFunc *f, const char *after, char *err, size_t n)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int changed = 0;
		for (int k = 0; k < NPASSES; k++) {
			changed |= passes[k].run(f);
			if (CHECK_EACH && check(m, f, passes[k].name, err, n))
				return -1;
			if (stop(after, passes[k].name))
				return 0;
		}
		if (!changed)
			break;
	}
	ir_order_blocks(f);
	return 0;
}

IrFunc *ir_run_passes(IrModule *m, const char *after, char *err, size_t n)
{
	for (int i = 0; i < m->nfuncs; i++) {
		IrFunc *f = m->funcs[i];
		if (check(m, f, "lowering", err, n))
			return f;
		if (stop(after, "lower"))
			continue;
		if (ir_inline(m, f) && CHECK_EACH && check(m, f, "inline", err, n))
			return f;
		if (stop(after, "inline"))
			continue;
		if (optimize(m, f, after, err, n) || check(m, f, "the passes", err, n))
			return f;
	}
	return NULL;
}

void ir_optimize(IrFunc *f)
{
	optimize(NULL, f, NULL, NULL, 0);
}

void ir_compact(IrBlock *b, const char *keep)
{
	int n = 0;
	for (int k = 0; k < b->n; k++)
		if (keep[k])
			b->ins[n++] = b->ins[k];
	b->n = n;
}

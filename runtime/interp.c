/* The user-context interpreter: prepares the object's user functions
 * (relocations resolved once) and runs them. Semantics are the kernel's
 * eBPF ones (Documentation/bpf/standardization/instruction-set.rst); the
 * instructions themselves are in interp_exec.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

static uint32_t line_of(const KtapUFunc *f, uint32_t pc)
{
	uint32_t line = 0, best = 0;
	for (uint32_t i = 0; i < f->nlines; i++)
		if (f->lines[i].insn <= pc && f->lines[i].insn >= best) {
			best = f->lines[i].insn;
			line = f->lines[i].line;
		}
	return line;
}

static void report(Rt *rt, const KtapUFunc *f, uint32_t pc, const char *fmt, va_list ap)
{
	uint32_t line = f ? line_of(f, pc) : 0;
	if (rt->opt.out)
		fflush(rt->opt.out);
	const char *src = rt->meta.source_name ? rt->meta.source_name : "ktap";
	if (line)
		fprintf(stderr, "%s:%u: error: ", src, line);
	else
		fprintf(stderr, "error: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	rt->error = 1;
}

void rt_error(Rt *rt, const char *fmt, ...)
{
	Interp *I = rt->interp;
	va_list ap;
	va_start(ap, fmt);
	report(rt, I && I->running && I->fn ? I->fn->src : NULL, I ? I->pc : 0, fmt, ap);
	va_end(ap);
	if (I)
		I->failed = 1;
}

static void set_imm64(struct bpf_insn *in, uint64_t v)
{
	in[0].src_reg = 0;
	in[0].imm = (int32_t)(uint32_t)v;
	in[1].imm = (int32_t)(uint32_t)(v >> 32);
}

/* Point the instruction of r at its target (rt_verify found it). */
static void relocate(Rt *rt, UFunc *u, const KtapURel *r)
{
	struct bpf_insn *in = &u->code[r->insn];
	if (r->kind == UREL_MAP) {
		set_imm64(in, (uintptr_t)rt_map(rt, r->target));
	} else if (r->kind == UREL_DATA) {
		int d = data_sec_index(r->target);
		set_imm64(in, (uintptr_t)(rt->data[d] + (uint32_t)in->imm));
	} else {
		in->imm = rt_find_ufunc(&rt->meta, r->target);
	}
}

static void prepare(Rt *rt, UFunc *u, const KtapUFunc *f)
{
	u->src = f;
	u->ninsns = f->ninsns;
	u->code = xmalloc(f->ninsns * sizeof *u->code);
	memcpy(u->code, f->insns, f->ninsns * sizeof *u->code);
	u->stack = (f->stack_size + 7) & ~7u;
	if (u->stack < 512)
		u->stack = 512;
	for (uint32_t k = 0; k < f->nrelocs; k++)
		relocate(rt, u, &f->relocs[k]);
}

int rt_interp_prepare(Rt *rt, const char **err)
{
	rt_interp_free(rt);
	Interp *I = xcalloc(1, sizeof *I);
	const KtapMeta *m = &rt->meta;
	rt->interp = I;
	I->broken = 1;	/* until every function is ready */
	if (rt_verify(rt, err) < 0)
		return -1;
	I->nfuncs = m->nufuncs;
	I->funcs = xcalloc(m->nufuncs + 1, sizeof *I->funcs);
	I->stack_size = RT_STACK_BYTES;
	I->stack = xcalloc(1, I->stack_size);
	I->sp = I->stack + I->stack_size;
	for (uint32_t i = 0; i < m->nufuncs; i++)
		prepare(rt, &I->funcs[i], &m->ufuncs[i]);
	I->broken = 0;
	return 0;
}

/* The loader prepares the code when it loads the object; a second call
 * finds it ready. */
int rt_interp_init(Rt *rt)
{
	Interp *I = rt->interp;
	const char *err;
	if (I && !I->broken)
		return 0;
	if (rt_interp_prepare(rt, &err) < 0) {
		rt_error(rt, "bad object: %s", err);
		return -1;
	}
	return 0;
}

void rt_interp_free(Rt *rt)
{
	Interp *I = rt->interp;
	if (!I)
		return;
	rt_iters_free(I);
	rt_scratch_reset(I);
	rt_format_free(I);
	rt_ksyms_free(I);
	for (int i = 0; i < I->nfuncs; i++)
		free(I->funcs[i].code);
	free(I->funcs);
	free(I->stack);
	free(I);
	rt->interp = NULL;
}

/* A signal that arrived before the call ended the run already; this call
 * is then one that runs anyway (trace_end), and a new signal must still be
 * able to stop it. So stop is cleared while the code runs and the code
 * stops when it becomes set; what it was is restored afterwards. exit()
 * ends the run only after the handler, so it sets stop at the end. */
int rt_call(Rt *rt, const char *func)
{
	Interp *I = rt->interp;
	if (!I || I->broken) {
		rt_error(rt, "the object's user code is not ready to run");
		return -1;
	}
	int fi = rt_find_ufunc(&rt->meta, func);
	if (fi < 0) {
		rt_error(rt, "no user function '%s' in the object", func);
		return -1;
	}
	if (I->running) {
		rt_error(rt, "%s called while user code runs", func);
		return -1;
	}
	int before = __atomic_exchange_n((sig_atomic_t *)&rt->stop, 0, __ATOMIC_SEQ_CST);
	I->running = 1;
	I->failed = 0;
	I->exit_pending = 0;
	uint64_t r0;
	rt_exec(rt, fi, &r0);
	int failed = I->failed;
	rt_iters_free(I);
	rt_scratch_reset(I);
	I->running = 0;
	I->fn = NULL;
	I->sp = I->stack + I->stack_size;
	if (before || I->exit_pending || failed)
		rt->stop = 1;
	return failed ? -1 : 0;
}

/* The user-context interpreter: prepares the object's user functions
 * (relocations resolved once) and runs them. Semantics are the kernel's
 * eBPF ones (Documentation/bpf/standardization/instruction-set.rst); the
 * instructions themselves are in interp_exec.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "interp.h"

#define STACK_BYTES ((size_t)8 << 20)	/* all frames of one call */

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

static int init_error(Rt *rt, const KtapUFunc *f, uint32_t pc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int init_error(Rt *rt, const KtapUFunc *f, uint32_t pc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(rt, f, pc, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static int is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static int find_func(Interp *I, const char *name)
{
	for (int i = 0; i < I->nfuncs; i++)
		if (!strcmp(I->funcs[i].src->name, name))
			return i;
	return -1;
}

static void set_imm64(struct bpf_insn *in, uint64_t v)
{
	in[0].src_reg = 0;
	in[0].imm = (int32_t)(uint32_t)v;
	in[1].imm = (int32_t)(uint32_t)(v >> 32);
}

static int data_index(const char *name)
{
	static const char *const names[RT_NDATA] = { ".bss", ".data", ".rodata" };
	for (int i = 0; i < RT_NDATA; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/* Point the instruction of r at its target. done[] marks what was relocated. */
static int relocate(Rt *rt, UFunc *u, const KtapURel *r, uint8_t *done)
{
	const KtapUFunc *f = u->src;
	struct bpf_insn *in = &u->code[r->insn];
	int ld = is_ldimm64(in) && r->insn + 1 < u->ninsns;
	if (r->kind == UREL_MAP) {
		RtMap *m = rt_map(rt, r->target);
		if (!ld)
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: map %s on an instruction that is not ld_imm64", f->name, r->insn, r->target);
		if (!m)
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: no map '%s' in the object", f->name, r->insn, r->target);
		set_imm64(in, (uintptr_t)m);
	} else if (r->kind == UREL_DATA) {
		int d = data_index(r->target);
		uint32_t off = (uint32_t)in->imm;
		if (!ld)
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: %s on an instruction that is not ld_imm64", f->name, r->insn, r->target);
		if (d < 0 || !rt->data[d])
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: no data section '%s'", f->name, r->insn, r->target);
		if (off > rt->data_size[d])
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: offset %u is past the end of %s (%zu bytes)", f->name, r->insn, off, r->target, rt->data_size[d]);
		set_imm64(in, (uintptr_t)(rt->data[d] + off));
	} else {
		int callee = find_func(rt->interp, r->target);
		if (!is_call(in) || in->src_reg != BPF_PSEUDO_CALL)
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: call of %s on an instruction that is not a call", f->name, r->insn, r->target);
		if (callee < 0)
			return init_error(rt, f, r->insn, "%s: relocation of instruction %u: no user function '%s'", f->name, r->insn, r->target);
		in->imm = callee;
	}
	done[r->insn] = 1;
	return 0;
}

/* What relocations do not cover must make sense on its own. */
static int check_code(Rt *rt, const UFunc *u, const uint8_t *done)
{
	const KtapUFunc *f = u->src;
	for (uint32_t pc = 0; pc < u->ninsns; pc++) {
		const struct bpf_insn *in = &u->code[pc];
		int cls = BPF_CLASS(in->code);
		int writes = cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX || cls == BPF_LD;
		if (in->dst_reg > BPF_REG_10 || in->src_reg > BPF_REG_10 || (writes && in->dst_reg == BPF_REG_10))
			return init_error(rt, f, pc, "%s: instruction %u: bad register", f->name, pc);
		if (is_ldimm64(in)) {
			if (pc + 1 >= u->ninsns)
				return init_error(rt, f, pc, "%s: instruction %u: ld_imm64 without its second half", f->name, pc);
			if (in->src_reg && !done[pc])
				return init_error(rt, f, pc, "%s: instruction %u: ld_imm64 of a map or data without a relocation", f->name, pc);
			pc++;
		} else if (is_call(in) && in->src_reg && !done[pc]) {
			return init_error(rt, f, pc, "%s: instruction %u: call of a function without a relocation", f->name, pc);
		}
	}
	return 0;
}

static int prepare(Rt *rt, UFunc *u, const KtapUFunc *f)
{
	u->src = f;
	u->ninsns = f->ninsns;
	u->code = xmalloc((f->ninsns ? f->ninsns : 1) * sizeof *u->code);
	memcpy(u->code, f->insns, f->ninsns * sizeof *u->code);
	u->stack = (f->stack_size + 7) & ~7u;
	if (u->stack < 512)
		u->stack = 512;
	if (f->stack_size > STACK_BYTES / 4)
		return init_error(rt, f, 0, "%s: a stack of %u bytes is too large", f->name, f->stack_size);
	if (!f->ninsns)
		return init_error(rt, f, 0, "%s: no instructions", f->name);
	return 0;
}

int rt_interp_init(Rt *rt)
{
	rt_interp_free(rt);
	Interp *I = xcalloc(1, sizeof *I);
	const KtapMeta *m = &rt->meta;
	rt->interp = I;
	I->nfuncs = m->nufuncs;
	I->funcs = xcalloc(m->nufuncs + 1, sizeof *I->funcs);
	I->stack_size = STACK_BYTES;
	I->stack = xcalloc(1, I->stack_size);
	I->sp = I->stack + I->stack_size;
	I->broken = 1;	/* until every function is ready */
	for (uint32_t i = 0; i < m->nufuncs; i++)
		if (prepare(rt, &I->funcs[i], &m->ufuncs[i]))
			return -1;
	for (int i = 0; i < I->nfuncs; i++) {
		UFunc *u = &I->funcs[i];
		uint8_t *done = xcalloc(u->ninsns, 1);
		int err = 0;
		for (uint32_t k = 0; k < u->src->nrelocs && !err; k++) {
			if (u->src->relocs[k].insn >= u->ninsns)
				err = init_error(rt, u->src, 0, "%s: relocation of instruction %u past its end", u->src->name, u->src->relocs[k].insn);
			else
				err = relocate(rt, u, &u->src->relocs[k], done);
		}
		if (!err)
			err = check_code(rt, u, done);
		free(done);
		if (err)
			return -1;
	}
	I->broken = 0;
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
	int fi = find_func(I, func);
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

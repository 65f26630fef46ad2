/* The backend's driver: each IrFunc through liveness, allocation, frame
 * layout and selection into its ObjProg. */
#include <assert.h>
#include <stdlib.h>
#include "bpf_internal.h"
#include "../../common/util.h"
#include "../../ir/check.h"

static int report(Diag *d, DiagCode code, const IrFunc *f, const char *msg)
{
	if (d)
		diag_error(d, code, ((Loc){ f->line, 1, f->line, 1 }), "%s", msg);
	return -1;
}

/* The frame, laid out after allocation: BPF allows 512 bytes in the
 * kernel; offsets from r10 must fit in 16 bits anywhere. */
static int check_frame(const IrFunc *f, int64_t size, Diag *d)
{
	char *msg = NULL;
	if (f->ctx == IRF_KERNEL && size > 512)
		msg = xasprintf("stack frame of %lld bytes exceeds BPF's 512", (long long)size);
	else if (size > 32767)
		msg = xasprintf("stack frame of %lld bytes is too large", (long long)size);
	if (!msg)
		return 0;
	report(d, DC_PROGRAM_LIMIT, f, msg);
	free(msg);
	return -1;
}

static int compile_func(ObjFile *o, int idx, Diag *d)
{
	const IrFunc *f = o->mod->funcs[idx];
	ObjProg *p = &o->progs[idx];
	Fn c = { .o = o, .f = f, .p = p };
	int rc = -1;
	/* the pass driver checked it; selection relies on it, and checks nothing
	 * (debug builds check again: callers other than the driver, unit tests) */
#ifdef KTAP_DEBUG
	assert(ir_check_in(o->mod, f, NULL, 0) == 0);
#endif
	p->func = f;
	bpf_liveness(f, &c.lv);
	bpf_regalloc(f, &c.lv, &c.ra);
	int64_t size = bpf_frame(&c);
	if (check_frame(f, size, d) == 0) {
		p->stack_size = c.stack_size = (int)size;
		c.block_insn = xcalloc(f->nblocks, sizeof(int));
		rc = bpf_select(&c);
		if (rc < 0) {
			char *msg = c.limit ? xasprintf("%s %s", f->name, c.why) :
				    xasprintf("internal error in %s: %s", f->name, c.why);
			report(d, DC_PROGRAM_LIMIT, f, msg);
			free(msg);
		}
	}
	free(c.slot_off);
	free(c.block_insn);
	free(c.fix);
	bpf_regalloc_free(&c.ra);
	bpf_liveness_free(&c.lv);
	return rc;
}

int bpf_compile(ObjFile *o, Diag *d)
{
	int rc = 0;
	o->nprogs = o->mod->nfuncs;
	o->progs = xcalloc(o->nprogs + 1, sizeof(ObjProg));
	for (int i = 0; i < o->nprogs; i++)
		if (compile_func(o, i, d) < 0)
			rc = -1;
	if (rc == 0 && d)
		rc = bpf_check_chains(o, d);
	return rc;
}

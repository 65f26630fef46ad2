/* Wide globs of other tracepoints as one raw tracepoint program. A
 * perf-event tracepoint costs an RCU grace period (~45 ms, serialized under
 * the kernel's event_mutex) to release, so `trace *:*` took two minutes to
 * end; a raw tracepoint link is released at once. When a handler has
 * RAWTP_MIN or more events left after the syscall dispatch, and neither its
 * body nor its filter reads the event's record (argN, args.NAME, argstr:
 * raw tracepoint arguments are the kernel function's, not the formatted
 * record's fields), the events share ONE program of type raw tracepoint,
 * verified once and attached once per event. Each link's BPF cookie is the
 * event's index in a table of names in .rodata: probename. */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/util.h"

enum { RAWTP_MIN = 8 };

struct RawTp {
	Event **evs;
	int n;
	int mask;		/* the name table's entries - 1 (a power of two) */
	int names;		/* .rodata offset of the name table */
};

static int reads_record(const Node *n, void *ctx)
{
	return (n->kind == N_BUILTIN && (n->num == B_ARGSTR || n->num >= B_ARG0)) ||
	       (n->kind == N_FIELD && n->num == 1);
}

/* Syscall events are ftrace's, not kernel tracepoints: no raw tracepoint
 * has their names. Probes are no tracepoints. */
static int has_raw(const Event *ev)
{
	return ev->kind == EV_TRACEPOINT && strcmp(ev->system, "syscalls") != 0;
}

RawTp *rawtp_plan(Lower *L, int fi, Dispatch *const disp[2])
{
	Func *sf = L->m->prog->funcs[fi];
	if (any(sf->body, reads_record, NULL) || any(sf->filter, reads_record, NULL))
		return NULL;
	RawTp *r = xcalloc(1, sizeof(RawTp));
	for (int e = 0; e < sf->nevents; e++) {
		Event *ev = sf->events[e];
		if (dispatch_covers(disp, ev) || !has_raw(ev))
			continue;
		r->evs = xrealloc(r->evs, (r->n + 1) * sizeof(Event *));
		r->evs[r->n++] = ev;
	}
	if (r->n < RAWTP_MIN) {
		rawtp_free(r);
		return NULL;
	}
	int cap = 1;
	while (cap < r->n)
		cap *= 2;
	r->mask = cap - 1;
	char *buf = xcalloc(cap, L->m->strlen);
	for (int i = 0; i < r->n; i++)
		strncpy(buf + i * L->m->strlen, r->evs[i]->name, L->m->strlen - 1);
	char *name = xasprintf("ktap_names%d", fi);
	r->names = ir_data_var(L->m->mod, DATA_RODATA, name, ir_layout(L->m->mod, L_STR, cap * L->m->strlen, 0), buf);
	free(name);
	free(buf);
	return r;
}

int rawtp_covers(const RawTp *r, const Event *ev)
{
	for (int i = 0; r && i < r->n; i++)
		if (r->evs[i] == ev)
			return 1;
	return 0;
}

int rawtp_count(const RawTp *r)
{
	return r->n;
}

const Event *rawtp_event(const RawTp *r, int i)
{
	return r->evs[i];
}

/* The cookie, masked so the verifier sees the table's bounds. */
IrOpnd rawtp_probename(Lower *L)
{
	int cookie = emit_call(L, BPF_FUNC_get_attach_cookie, 1, ir_r(L->fn->ctxreg));
	int idx = emit_op(L, IR_AND, ir_r(cookie), ir_imm(L->fn->rawtp->mask));
	int off = emit_op(L, IR_MUL, ir_r(idx), ir_imm(L->m->strlen));
	return ir_r(emit_op(L, IR_ADD, ir_r(emit_mapval(L, DATA_RODATA, L->fn->rawtp->names)), ir_r(off)));
}

void rawtp_free(RawTp *r)
{
	if (!r)
		return;
	free(r->evs);
	free(r);
}

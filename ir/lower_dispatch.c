/* Syscall events through one dispatch. Every perf-event tracepoint costs
 * an RCU-tasks-trace grace period (~45 ms, one after the other) to detach,
 * so a handler on hundreds of syscall events took seconds to end. When a
 * handler has DISPATCH_MIN or more syscall events of one direction, they
 * become one program on the raw tracepoint raw_syscalls:sys_enter (or
 * sys_exit), which finds the event by the syscall's number and returns at
 * once for any other. The handler's body is lowered once, over a record
 * that plays the formatted event: the dispatch fills it per syscall with
 * what the body reads, each value cut to its field's C type, so the body
 * sees what the per-syscall event would show.
 *
 * The program is a BTF raw tracepoint (tp_btf): its ctx holds a pt_regs
 * pointer the verifier knows, read by plain loads, cheaper per event than
 * bpf_probe_read_kernel.
 *
 * The record, a per-CPU array value of the program's own:
 *	REC_NR		the syscall's number (arg0, __syscall_nr)
 *	REC_ARGS + 8i	argument i+1 (args.ret of an exit)
 *	REC_NAMED + 8k	the k-th field the body reads by name
 *	then, for argstr, the event's record in its own layout: the event's
 *	ID, the number, the raw arguments (an exit's ret)
 *	then probename (strlen bytes) */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/syscalls.h"
#include "../common/util.h"

enum { DISPATCH_MIN = 5, MAX_PARAMS = 6 };
enum { REC_NR = 8, REC_ARGS = 16, REC_NAMED = REC_ARGS + 8 * MAX_PARAMS };

/* x86_64's struct pt_regs, and the registers of the syscall ABI. */
enum { REGS_ORIG_AX = 120, REGS_CS = 136, USER_CS = 0x33 };
static const int param_reg[MAX_PARAMS] = { 112, 104, 96, 56, 72, 64 };	/* di si dx r10 r8 r9 */

static const char *const tp_names[2] = { "sys_enter", "sys_exit" };

struct Dispatch {
	int exit;		/* on sys_exit, else sys_enter */
	Event **evs;		/* by increasing number */
	int *nrs, n;
	unsigned args;		/* bit i: the body reads argi */
	int probename;		/* the body reads probename */
	int argstr;		/* offset of argstr's record, or 0 */
	const char **names;	/* fields the body reads by name */
	int nnames;
	EventField *fields;	/* where the body finds arg0..arg6, then the named */
	int name;		/* offset of probename in the record */
};

typedef struct Uses {
	unsigned args;
	int probename, argstr;
	const char **names;
	int nnames;
} Uses;

static void add_name(Uses *u, const char *name)
{
	for (int i = 0; i < u->nnames; i++)
		if (!strcmp(u->names[i], name))
			return;
	u->names = xrealloc(u->names, (u->nnames + 1) * sizeof(*u->names));
	u->names[u->nnames++] = name;
}

/* What of the event a node reads (visits every node: returns 0). */
static int note_use(const Node *n, void *ctx)
{
	Uses *u = ctx;
	if (n->kind == N_BUILTIN && n->num >= B_ARG0 && n->num <= B_ARG0 + MAX_PARAMS)
		u->args |= 1u << (n->num - B_ARG0);
	u->probename |= n->kind == N_BUILTIN && n->num == B_PROBENAME;
	u->argstr |= n->kind == N_BUILTIN && n->num == B_ARGSTR;
	if (n->kind == N_FIELD && n->num == 1 && n->str)
		add_name(u, n->str);
	return 0;
}

static int by_nr(const void *a, const void *b)
{
	const int *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Sorted (number, event index) pairs of sf's syscall events of one direction. */
static int syscall_events(Func *sf, int exit, int (*out)[2])
{
	const char *prefix = exit ? "sys_exit_" : "sys_enter_";
	int n = 0;
	for (int e = 0; e < sf->nevents; e++) {
		const Event *ev = sf->events[e];
		if (strcmp(ev->system, "syscalls") || strncmp(ev->name, prefix, strlen(prefix)) ||
		    ev->nfields > 1 + MAX_PARAMS)
			continue;
		int nr = syscall_nr(ev->name + strlen(prefix));
		if (nr >= 0)
			out[n][0] = nr, out[n++][1] = e;
	}
	qsort(out, n, sizeof(*out), by_nr);
	return n;
}

static Dispatch *new_dispatch(Func *sf, int exit, int (*pairs)[2], int n, const Uses *u)
{
	Dispatch *d = xcalloc(1, sizeof(*d));
	d->exit = exit;
	d->evs = xcalloc(n, sizeof(*d->evs));
	d->nrs = xcalloc(n, sizeof(*d->nrs));
	for (int i = 0; i < n; i++) {
		if (d->n && d->nrs[d->n - 1] == pairs[i][0])
			continue;	/* two names, one number: the second keeps its own event */
		d->nrs[d->n] = pairs[i][0];
		d->evs[d->n++] = sf->events[pairs[i][1]];
	}
	d->args = u->args;
	d->probename = u->probename;
	d->nnames = u->nnames;
	d->names = xcalloc(u->nnames + 1, sizeof(*d->names));
	for (int k = 0; k < u->nnames; k++)
		d->names[k] = u->names[k];
	d->fields = xcalloc(1 + MAX_PARAMS + u->nnames, sizeof(*d->fields));
	for (int i = 0; i < 1 + MAX_PARAMS + u->nnames; i++) {
		int off = i == 0 ? REC_NR : i <= MAX_PARAMS ? REC_ARGS + 8 * (i - 1) : REC_NAMED + 8 * (i - 1 - MAX_PARAMS);
		d->fields[i] = (EventField){ .kind = EF_INT, .offset = off, .size = 8 };
	}
	d->name = REC_NAMED + 8 * u->nnames;
	if (u->argstr) {
		d->argstr = d->name;
		d->name += dispatch_argstr_size(d);
	}
	return d;
}

void dispatch_plan(Lower *L, Func *sf, Dispatch *out[2])
{
	out[0] = out[1] = NULL;
#if defined(__x86_64__)
	Uses u = { 0 };
	any(sf->body, note_use, &u);
	any(sf->filter, note_use, &u);
	int (*pairs)[2] = xcalloc(sf->nevents + 1, sizeof(*pairs));
	for (int exit = 0; exit < 2; exit++) {
		int n = syscall_events(sf, exit, pairs);
		if (n >= DISPATCH_MIN)
			out[exit] = new_dispatch(sf, exit, pairs, n, &u);
	}
	free(pairs);
	free(u.names);
#endif
}

int dispatch_covers(Dispatch *const d[2], const Event *ev)
{
	for (int x = 0; x < 2; x++)
		for (int i = 0; d[x] && i < d[x]->n; i++)
			if (d[x]->evs[i] == ev)
				return 1;
	return 0;
}

const char *dispatch_target(const Dispatch *d)
{
	return tp_names[d->exit];
}

const EventField *dispatch_arg(const Dispatch *d, int n)
{
	return n >= 0 && n <= MAX_PARAMS ? &d->fields[n] : NULL;
}

const EventField *dispatch_field(const Dispatch *d, const char *name)
{
	for (int k = 0; k < d->nnames; k++)
		if (!strcmp(d->names[k], name))
			return &d->fields[1 + MAX_PARAMS + k];
	return NULL;
}

/* argstr's record: what ftrace's syscall events hold, __syscall_nr and
 * the six arguments or ret, each in an 8-byte slot. */
int dispatch_argstr_size(const Dispatch *d)
{
	return d->exit ? REC_ARGS + 8 : REC_ARGS + 8 * MAX_PARAMS;
}

IrOpnd dispatch_argstr(Lower *L)
{
	return ir_r(emit_op(L, IR_ADD, ir_r(L->fn->ctxreg), ir_imm(L->fn->disp->argstr)));
}

IrOpnd dispatch_probename(Lower *L)
{
	return ir_r(emit_op(L, IR_ADD, ir_r(L->fn->ctxreg), ir_imm(L->fn->disp->name)));
}

/* Store field fl of ev, cut to its type, at `to` in the record: from its
 * register, or for the number and an exit's ret, from what the entry
 * stored. */
static void copy_field(Lower *L, int rec, int regs, const Event *ev, const EventField *fl, int to)
{
	int p = (int)(fl - ev->fields) - 1, base = regs;
	EventField at = *fl;
	if (p < 0 || L->fn->disp->exit) {
		base = rec;
		at.offset = p < 0 ? REC_NR : REC_ARGS;
		if (at.offset == to)
			return;
	} else {
		at.offset = param_reg[p];
	}
	emit_store(L, ir_r(rec), to, 8, field_int(L, ir_r(base), &at));
}

/* One syscall's case: fill the record with what the body reads. */
static void fill(Lower *L, int rec, int regs, int k)
{
	const Dispatch *d = L->fn->disp;
	const Event *ev = d->evs[k];
	for (int i = 1; i <= MAX_PARAMS; i++)
		if (d->args & (1u << i) && event_arg(ev, i))
			copy_field(L, rec, regs, ev, event_arg(ev, i), REC_ARGS + 8 * (i - 1));
	for (int j = 0; j < d->nnames; j++)
		if (event_field(ev, d->names[j]))
			copy_field(L, rec, regs, ev, event_field(ev, d->names[j]),
				   d->fields[1 + MAX_PARAMS + j].offset);
	if (d->argstr)
		emit_store(L, ir_r(rec), d->argstr, 8, ir_imm(ev->id));
	if (d->probename)
		emit_copy(L, ir_r(rec), d->name,
			  ir_r(emit_mapval(L, DATA_RODATA, rodata_str(L, ev->name, strlen(ev->name)))), 0, L->m->strlen);
}

/* A binary search over the numbers: a few compares whatever the glob. */
static void search(Lower *L, int id, int lo, int hi, IrBlock **cases)
{
	const Dispatch *d = L->fn->disp;
	if (hi - lo <= 2) {
		for (int k = lo; k < hi; k++) {
			IrBlock *next = new_block(L);
			emit_br(L, C_EQ, ir_r(id), ir_imm(d->nrs[k]), cases[k], next);
			set_block(L, next);
		}
		emit_ret(L, ir_imm(0));		/* a syscall outside the glob */
		return;
	}
	int mid = lo + (hi - lo) / 2;
	IrBlock *left = new_block(L), *right = new_block(L);
	emit_br(L, C_LT, ir_r(id), ir_imm(d->nrs[mid]), left, right);
	set_block(L, left);
	search(L, id, lo, mid, cases);
	set_block(L, right);
	search(L, id, mid, hi, cases);
}

static int record_map(Lower *L)
{
	const Dispatch *d = L->fn->disp;
	char *name = xasprintf("ktap_sysrec_%s", L->fn->f->name);
	IrMap m = { name, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 0, NULL, NULL, 4, d->name + L->m->strlen };
	int map = ir_map(L->m->mod, &m);
	free(name);
	return map;
}

/* argstr's record but its ID, the same for every syscall: the registers
 * as they are, as ftrace records them, not cut to the fields' types. */
static void argstr_fill(Lower *L, int rec, int regs, int id, int ret)
{
	const Dispatch *d = L->fn->disp;
	emit_store(L, ir_r(rec), d->argstr + REC_NR, 8, ir_r(id));
	if (d->exit) {
		emit_store(L, ir_r(rec), d->argstr + REC_ARGS, 8, ir_r(ret));
		return;
	}
	for (int i = 0; i < MAX_PARAMS; i++)
		emit_store(L, ir_r(rec), d->argstr + REC_ARGS + 8 * i, 8,
			   ir_r(emit_load(L, ir_r(regs), param_reg[i], 8)));
}

/* The program's entry: ctx is the raw tracepoint's (regs, id or ret).
 * Compat (32-bit) syscalls have numbers of another table, and the syscall
 * tracepoints ignore them: so does the dispatch. Afterwards ctxreg is the
 * record, which the body reads as it reads a tracepoint's record. */
void dispatch_entry(Lower *L)
{
	const Dispatch *d = L->fn->disp;
	int key = ir_slot(L->fn->f, 8);
	emit_store(L, ir_slotop(key), 0, 8, ir_imm(0));
	int rec = emit_call(L, BPF_FUNC_map_lookup_elem, 2, ir_r(emit_map(L, record_map(L))),
			    ir_r(emit_addr(L, key)));
	IrBlock *none = new_block(L), *go = new_block(L), *native = new_block(L), *body = new_block(L);
	emit_br(L, C_EQ, ir_r(rec), ir_imm(0), none, go);
	set_block(L, none);
	emit_ret(L, ir_imm(0));
	set_block(L, go);
	int regs = emit_load(L, ir_r(0), 0, 8);
	int cs = emit_load(L, ir_r(regs), REGS_CS, 8);
	emit_br(L, C_EQ, ir_r(cs), ir_imm(USER_CS), native, none);
	set_block(L, native);
	int id = d->exit ? emit_load(L, ir_r(regs), REGS_ORIG_AX, 8) : emit_load(L, ir_r(0), 8, 8);
	emit_store(L, ir_r(rec), REC_NR, 8, ir_r(id));
	int ret = d->exit ? emit_load(L, ir_r(0), 8, 8) : -1;
	if (d->exit)
		emit_store(L, ir_r(rec), REC_ARGS, 8, ir_r(ret));
	if (d->argstr)
		argstr_fill(L, rec, regs, id, ret);
	IrBlock **cases = xcalloc(d->n, sizeof(*cases));
	for (int k = 0; k < d->n; k++)
		cases[k] = new_block(L);
	search(L, id, 0, d->n, cases);
	for (int k = 0; k < d->n; k++) {
		set_block(L, cases[k]);
		fill(L, rec, regs, k);
		emit_jmp(L, body);
	}
	free(cases);
	set_block(L, body);
	L->fn->ctxreg = rec;
}

void dispatch_free(Dispatch *d)
{
	if (!d)
		return;
	free(d->evs);
	free(d->nrs);
	free(d->names);
	free(d->fields);
	free(d);
}

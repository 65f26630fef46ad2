/* Lowering a whole program: maps, globals, one IR function per handler
 * (per event for tracepoint handlers) and per context a user function is
 * called from, and the metadata the runtime needs. */
#include <ctype.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/util.h"

int kernel(Lower *L)
{
	return L->fn->ctx == IRF_KERNEL;
}

void lower_error(Lower *L, DiagCode code, const Node *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(L->m->d, code, n ? n->loc : (Loc){0}, "%s", msg);
}

int func_group(Lower *L, const Node *site)
{
	for (int i = 0; i < L->m->prog->nfuncs; i++)
		if (L->m->prog->funcs[i]->site == site)
			return i;
	return -1;
}

/* A C identifier, for symbol and map names. */
static __attribute__((format(printf, 1, 2))) char *ident(const char *fmt, ...)
{
	char *r;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		r = xstrdup("_");
	va_end(ap);
	for (char *p = r; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '_';
	return r;
}

static IrLayout *key_part_layout(Lower *L, TableInfo *t, int i)
{
	Type *kt = type_repr(t->keys[i]);
	return kt->kind == TY_STR ? ir_layout(L->m->mod, L_STR, key_part_size(L, t, i), 0) : layout_of(L, kt);
}

static IrLayout *key_layout(Lower *L, TableInfo *t)
{
	if (t->nkeys == 1)
		return key_part_layout(L, t, 0);
	IrLayout *l = ir_layout(L->m->mod, L_TUPLE, key_size(L, t), t->nkeys);
	for (int i = 0, off = 0; i < t->nkeys; i++) {
		l->fields[i] = key_part_layout(L, t, i);
		l->offs[i] = off;
		off += l->fields[i]->size;
	}
	return l;
}

int map_find(Lower *L, const char *name)
{
	for (int i = 0; i < L->m->mod->nmaps; i++)
		if (!strcmp(L->m->mod->maps[i].name, name))
			return i;
	return -1;
}

static void setup_tables(Lower *L)
{
	Program *p = L->m->prog;
	L->m->table_map = xcalloc(p->ntables, sizeof(int));
	L->m->table_drops = xcalloc(p->ntables, sizeof(int));
	KtapMeta *m = L->m->meta;
	m->tables = xcalloc(p->ntables, sizeof(KtapTable));
	for (int i = 0; i < p->ntables; i++) {
		TableInfo *t = p->tables[i];
		int vsize = table_val_size(L, t);
		const char *base = t->name ? t->name : "table";
		char *name = ident("%s", base);
		for (int n = 2; map_find(L, name) >= 0; n++) {
			free(name);
			name = ident("%s_%d", base, n);
		}
		IrMap map = { name, BPF_MAP_TYPE_HASH, t->capacity, 0, key_layout(L, t),
			      layout_sized(L, type_repr(t->val), vsize), key_size(L, t), vsize };
		if (t->agg) {	/* per-CPU statistics, merged by the runtime: common/agg.h */
			map.type = BPF_MAP_TYPE_PERCPU_HASH;
			map.value_size = agg_value_size(t);
			map.value = ir_layout(L->m->mod, L_STR, map.value_size, 0);
		}
		if (t->counter)	/* per-CPU counts, summed by the runtime: sema_counter.c */
			map.type = BPF_MAP_TYPE_PERCPU_HASH;
		L->m->table_map[i] = ir_map(L->m->mod, &map);
		char *dname = xasprintf("ktap_drops_%s", name);
		L->m->table_drops[i] = ir_data_var(L->m->mod, DATA_BSS, dname, ir_layout(L->m->mod, L_NUM, 8, 0), NULL);
		free(dname);

		KtapTable *kt = &m->tables[m->ntables++];
		kt->map = name;
		kt->name = xstrdup(base);
		kt->line = t->loc.line;
		kt->nkeys = t->nkeys;
		for (int k = 0, off = 0; k < t->nkeys; k++) {
			Type *ktype = type_repr(t->keys[k]);
			kt->keys[k] = value_arg(L, ktype, off);
			kt->keys[k].size = key_part_size(L, t, k);
			off += kt->keys[k].size;
		}
		Type *vt = type_repr(t->val);
		kt->value = value_arg(L, vt, 0);
		kt->value.size = vsize;
		if (t->agg)	/* the count, first in the value: what pairs() gives */
			kt->value.kind = V_AGG;
		kt->nkeys = t->unkeyed ? 0 : kt->nkeys;
		kt->drops_off = L->m->table_drops[i];
	}
}

static void setup_data(Lower *L)
{
	static const char *const fixed[] = { "ktap_rb_drops", "ktap_wall_offset", "ktap_num_cpus",
					     "ktap_exit", "ktap_loop_caps", "ktap_stack_lost" };
	for (int i = 0; i < (int)(sizeof(fixed) / sizeof(fixed[0])); i++)
		ir_data_var(L->m->mod, DATA_BSS, fixed[i], ir_layout(L->m->mod, L_NUM, 8, 0), NULL);
	ir_data_var(L->m->mod, DATA_RODATA, "ktap_pid_filter", ir_layout(L->m->mod, L_NUM, 8, 0), NULL);
	L->m->empty_str = rodata_str(L, "", 0);
	Program *p = L->m->prog;
	L->m->global_off = xcalloc(p->nglobals, sizeof(int));
	L->m->global_flag = xcalloc(p->nglobals, sizeof(int));
	for (int i = 0; i < p->nglobals; i++) {
		Type *t = type_repr(p->globals[i]->type);
		if (t->kind == TY_TABLE || t->kind == TY_FUNC)
			continue;
		char *name = ident("%s", p->globals[i]->name);
		L->m->global_off[i] = ir_data_var(L->m->mod, DATA_BSS, name,
						  layout_sized(L, t, var_size(L, p->globals[i])), NULL);
		free(name);
		if (!p->globals[i]->nilable)
			continue;
		name = ident("%s__present", p->globals[i]->name);
		L->m->global_flag[i] = ir_data_var(L->m->mod, DATA_BSS, name, ir_layout(L->m->mod, L_NUM, 8, 0), NULL);
		free(name);
	}
	IrMap rb = { "ktap_events", BPF_MAP_TYPE_RINGBUF, L->m->opt->ringbuf_size, 0, NULL, NULL, 0, 0 };
	L->m->ringbuf = ir_map(L->m->mod, &rb);
}

/* interval: H_PROFILE's and H_TICK's interval, H_RAW_EVENT's cookie, a
 * uprobe's file offset */
static void add_handler(Lower *L, KtapHandlerKind kind, int group, const char *prog, const char *target,
			uint64_t interval)
{
	KtapMeta *m = L->m->meta;
	m->handlers = xrealloc(m->handlers, (m->nhandlers + 1) * sizeof(*m->handlers));
	const Node *site = L->m->prog->funcs[group]->site;
	m->handlers[m->nhandlers++] = (KtapHandler){ .kind = kind, .group = group, .prog = xstrdup(prog),
						     .target = target ? xstrdup(target) : NULL,
						     .interval_ns = interval, .line = site ? site->loc.line : 0 };
}

/* ktap -p PID: the runtime writes RODATA_PID_FILTER before the load and
 * handlers ignore events of other processes; without -p the verifier sees
 * the constant 0 and removes the check, but keeps the load of the word. An
 * object from ktapc may be run with or without -p, so it has the check;
 * ktap compiling a script for a run without -p leaves it out. */
static void pid_filter(Lower *L)
{
	int want = emit_load(L, ir_r(emit_mapval(L, DATA_RODATA, RODATA_PID_FILTER)), 0, 8);
	IrBlock *check = new_block(L), *skip = new_block(L), *go = new_block(L);
	emit_br(L, C_EQ, ir_r(want), ir_imm(0), go, check);
	set_block(L, check);
	int tgid = emit_op(L, IR_SHR, ir_r(emit_call(L, BPF_FUNC_get_current_pid_tgid, 0)), ir_imm(32));
	emit_br(L, C_EQ, ir_r(tgid), ir_r(want), go, skip);
	set_block(L, skip);
	emit_ret(L, ir_imm(0));
	set_block(L, go);
}

/* The run has ended (exit(), or the runtime's stop, both in BSS_EXIT):
 * handlers fire until their links are released, after trace_end, and
 * must neither count nor print then. */
static void stopped(Lower *L)
{
	int flag = emit_load(L, ir_r(emit_mapval(L, DATA_BSS, BSS_EXIT)), 0, 8);
	IrBlock *skip = new_block(L), *go = new_block(L);
	emit_br(L, C_EQ, ir_r(flag), ir_imm(0), go, skip);
	set_block(L, skip);
	emit_ret(L, ir_imm(0));
	set_block(L, go);
}

/* The verifier takes a global function's pointer arguments as maybe NULL
 * (the tag "arg:nonnull" says otherwise only from Linux 6.8): a test at
 * entry tells it so on every kernel that has global functions. */
static void nonnull_bufs(Lower *L)
{
	IrFunc *f = L->fn->f;
	IrBlock *null = NULL;
	for (int v = 0; v < f->nparams; v++) {
		if (!(f->bufs & 1 << v))
			continue;
		if (!null)
			null = new_block(L);
		IrBlock *go = new_block(L);
		emit_br(L, C_EQ, ir_r(v), ir_imm(0), null, go);
		set_block(L, go);
	}
	if (!null)
		return;
	IrBlock *go = L->fn->b;
	L->fn->b = null;	/* not set_block: go must not jump to it */
	emit_ret(L, ir_imm(0));
	L->fn->b = go;
}

/* A unit of work: an IR function still to be filled from sema's function. */
typedef struct Job {
	int fi;
	IrFunc *f;
	Event *ev;
	Dispatch *disp;		/* or the syscall events it dispatches */
	RawTp *rawtp;		/* or the events it is attached to by cookie */
} Job;

/* The body of one IR function for sema's function j->fi, lowered with
 * function state of its own. */
static void lower_body(LowerMod *m, const Job *j)
{
	Func *sf = m->prog->funcs[j->fi];
	int probe = sf->kind == FN_TRACE || sf->kind == FN_PROFILE;
	int retstr = sf->kind == FN_USER && is_str(type_repr(sf->ret));
	LowerFn fn = { .sf = sf, .f = j->f, .b = ir_block(j->f), .ctx = j->f->ctx, .ev = j->ev,
		       .disp = j->disp, .rawtp = j->rawtp, .line = j->f->line, .col = 1,
		       .retbuf = retstr ? 0 : -1, .progctx = probe ? 0 : -1, .linkreg = -1,
		       .local = xcalloc(sf->nlocals + 1, sizeof(int)),
		       .flag = xcalloc(sf->nlocals + 1, sizeof(int)) };
	Lower state = { m, &fn }, *L = &state;
	if (probe)
		stopped(L);	/* first: after the end a handler costs one load */
	if (j->disp)
		dispatch_entry(L);
	if (probe && !L->m->opt->no_pid_filter)
		pid_filter(L);
	loop_facts(L);
	nonnull_bufs(L);
	frame_setup(L, sf);
	if (sf->filter) {
		IrBlock *body = new_block(L), *skip = new_block(L);
		lower_cond(L, sf->filter, body, skip);
		set_block(L, skip);
		emit_ret(L, ir_imm(0));
		set_block(L, body);
	}
	lower_block(L, sf->body);
	emit_ret(L, ir_imm(0));
	frame_done(L);
	finish_func(fn.f);
	free(fn.local);
	free(fn.flag);
	free(fn.set_how);
	free(fn.temps);
	free(fn.spare);
	free(fn.open_it);
}

static IrFunc *new_func(Lower *L, char *name, const char *section, IrCtx ctx, int nparams, const Node *at)
{
	IrFunc *f = ir_func_new(L->m->mod, name, section, ctx, nparams);
	f->line = at ? at->loc.line : 1;
	free(name);
	return f;
}

/* A kernel function is global: verified once on its own, with unknown
 * numbers and, for its string buffers (a string parameter, the hidden
 * result buffer), memory of --strlen bytes that may be NULL. A static one
 * is walked again at every call on every path, which multiplies when
 * functions call functions. No parameter needs a static function: they
 * are numbers or strings (a typed pointer is a number, read with
 * probe_read; the ctx is not passed). */
static void make_global(LowerMod *m, Func *sf, IrFunc *f)
{
	int v = 0;
	f->global = 1;
	f->bufsize = m->strlen;
	if (is_str(type_repr(sf->ret)))
		f->bufs |= 1 << v++;
	for (int i = 0; sf->params && i < sf->params->n; i++) {
		if (is_str(type_repr(sf->locals[i]->type)))
			f->bufs |= 1 << v;
		v += 1 + sf->locals[i]->nilable;
	}
}

static void add_job(Job **jobs, int *njobs, Job j)
{
	*jobs = xrealloc(*jobs, (*njobs + 1) * sizeof(Job));
	(*jobs)[(*njobs)++] = j;
}

/* One raw tracepoint program for r's events: a handler per event, each
 * naming the program, the event and the cookie its link takes. */
static void plan_rawtp(Lower *L, int fi, const Node *at, RawTp *r, Job **jobs, int *njobs)
{
	char *name = ident("trace%d_raw", fi);
	for (int i = 0; i < rawtp_count(r); i++) {
		const Event *ev = rawtp_event(r, i);
		char *target = xasprintf("%s:%s", ev->system, ev->name);
		add_handler(L, H_RAW_EVENT, fi, name, target, i);
		free(target);
	}
	add_job(jobs, njobs, (Job){ fi, new_func(L, name, "raw_tp", IRF_KERNEL, 1, at), NULL, NULL, r });
}

/* Releasing a perf-event tracepoint waits for RCU grace periods, the
 * longest under the kernel's event_mutex: 254 of them took 14.4 s to
 * release on 6.18 with ktap's release threads (~57 ms each; see
 * docs/performance.md, "Teardown"). From this many on, the user is told
 * how long the end will take rather than left waiting. */
enum { SLOW_RELEASE_MIN = 100, RELEASE_MS = 50 };

/* A probe's program: named by its index e too (one symbol can be probed in
 * two binaries, or at entry and return, by one handler). */
static void plan_probe(Lower *L, int fi, int e, const Node *at, Job **jobs, int *njobs)
{
	Event *ev = L->m->prog->funcs[fi]->events[e];
	KtapHandlerKind kind;
	const char *target;
	uint64_t offset;
	char *sec = probe_section(ev, &kind, &target, &offset);
	char *name = ident("trace%d_%d_%s", fi, e, ev->name);
	add_handler(L, kind, fi, name, target, offset);
	L->m->meta->handlers[L->m->meta->nhandlers - 1].ref_ctr = ev->ref_ctr;
	add_job(jobs, njobs, (Job){ fi, new_func(L, name, sec, IRF_KERNEL, 1, at), ev, NULL, NULL });
	free(sec);
}

/* A trace handler's programs: one per dispatch, one for the other events
 * when they can share a raw tracepoint program, else one per event. */
static void plan_trace(Lower *L, int fi, const Node *at, Job **jobs, int *njobs)
{
	Func *sf = L->m->prog->funcs[fi];
	Dispatch *disp[2];
	dispatch_plan(L, sf, disp);
	RawTp *raw = rawtp_plan(L, fi, disp);
	if (raw)
		plan_rawtp(L, fi, at, raw, jobs, njobs);
	for (int x = 0; x < 2; x++) {
		if (!disp[x])
			continue;
		const char *tp = dispatch_target(disp[x]);
		char *sec = xasprintf("tp_btf/%s", tp);
		char *name = ident("trace%d_dispatch_%s", fi, tp);
		add_handler(L, H_RAW_TRACEPOINT, fi, name, tp, 0);
		add_job(jobs, njobs, (Job){ fi, new_func(L, name, sec, IRF_KERNEL, 1, at), NULL, disp[x], NULL });
		free(sec);
	}
	int nslow = 0;
	for (int e = 0; e < sf->nevents; e++) {
		Event *ev = sf->events[e];
		if (dispatch_covers(disp, ev) || rawtp_covers(raw, ev))
			continue;
		if (ev->kind != EV_TRACEPOINT) {
			plan_probe(L, fi, e, at, jobs, njobs);
			continue;
		}
		char *sec = xasprintf("tracepoint/%s/%s", ev->system, ev->name);
		char *target = xasprintf("%s:%s", ev->system, ev->name);
		char *name = ident("trace%d_%s", fi, ev->name);
		add_handler(L, H_TRACEPOINT, fi, name, target, 0);
		add_job(jobs, njobs, (Job){ fi, new_func(L, name, sec, IRF_KERNEL, 1, at), ev, NULL, NULL });
		free(sec);
		free(target);
		nslow++;
	}
	if (nslow >= SLOW_RELEASE_MIN)
		diag_warning(L->m->d, DC_SLOW_RELEASE, at->loc, "this handler reads its events' records (argN, args.NAME or "
			     "argstr), so %d of its events attach as perf-event tracepoints, which the "
			     "kernel releases one grace period at a time: ending the run will take "
			     "about %d s", nslow, (nslow * RELEASE_MS + 999) / 1000);
}

static void plan(Lower *L, Job **jobs, int *njobs)
{
	Program *p = L->m->prog;
	for (int c = 0; c < 2; c++) {
		L->m->irfunc[c] = xcalloc(p->nfuncs, sizeof(int));
		memset(L->m->irfunc[c], -1, p->nfuncs * sizeof(int));
	}
	for (int fi = 0; fi < p->nfuncs; fi++) {
		Func *sf = p->funcs[fi];
		const Node *at = sf->site ? sf->site : sf->body;
		char *name;
		switch (sf->kind) {
		case FN_MAIN:
			add_job(jobs, njobs, (Job){ fi, new_func(L, xstrdup("__main"), NULL, IRF_USER, 0, at), NULL, NULL, NULL });
			L->m->meta->main_func = xstrdup("__main");
			break;
		case FN_TRACE:
			plan_trace(L, fi, at, jobs, njobs);
			break;
		case FN_PROFILE:
			name = xasprintf("profile%d", fi);
			add_handler(L, H_PROFILE, fi, name, NULL, sf->interval_ns);
			add_job(jobs, njobs, (Job){ fi, new_func(L, name, "perf_event", IRF_KERNEL, 1, at), NULL, NULL, NULL });
			break;
		case FN_TICK:
		case FN_END:
			name = xasprintf(sf->kind == FN_TICK ? "tick%d" : "trace_end%d", fi);
			add_handler(L, sf->kind == FN_TICK ? H_TICK : H_END, fi, name, NULL, sf->interval_ns);
			add_job(jobs, njobs, (Job){ fi, new_func(L, name, NULL, IRF_USER, 0, at), NULL, NULL, NULL });
			break;
		case FN_USER: {
			int np = func_bpf_args(sf);	/* at most 5: sema checked */
			for (int c = 0; c < 2; c++) {
				if (!(sf->ctx & (c ? CTX_KERNEL : CTX_USER)))
					continue;
				L->m->irfunc[c][fi] = L->m->mod->nfuncs;
				IrFunc *f = new_func(L, xstrdup(sf->name), c ? ".text" : NULL,
						     c ? IRF_KERNEL : IRF_USER, np, at);
				if (c)
					make_global(L->m, sf, f);
				add_job(jobs, njobs, (Job){ fi, f, NULL, NULL, NULL });
			}
			break;
		}
		}
	}
}

/* "events matched by 'syscalls:*'" for a trace handler, and where its
 * specs are written. */
static char *events_what(const Func *sf, Loc *at)
{
	char *what = xstrdup("events matched by");
	*at = (Loc){ 0 };
	for (int i = 0; sf->site && i < sf->site->list.n; i++) {
		const Node *spec = sf->site->list.v[i];
		if (!spec || (spec->kind != N_EVENT && spec->kind != N_STR))
			continue;
		char *w = xasprintf("%s%s '%s'", what, at->line ? "," : "", spec->str);
		free(what);
		what = w;
		*at = loc_span(*at, spec->loc);
	}
	return what;
}

/* A trace handler is lowered once per event: the copies are one repeat
 * group, so an error in its body is reported once, not once per event. */
static void lower_jobs(LowerMod *m, const Job *jobs, int njobs)
{
	for (int i = 0, n; i < njobs; i += n) {
		int trace = jobs[i].ev || jobs[i].disp || jobs[i].rawtp;
		for (n = 1; trace && i + n < njobs && jobs[i + n].fi == jobs[i].fi; n++)
			;
		diag_repeat_begin(m->d);
		for (int k = 0; k < n; k++) {
			diag_repeat_next(m->d);
			lower_body(m, &jobs[i + k]);
		}
		Loc at;
		char *what = events_what(m->prog->funcs[jobs[i].fi], &at);
		diag_repeat_end(m->d, n, at, what);
		free(what);
	}
}

int lower_program(Program *p, const LowerOptions *opt, Diag *d, IrModule **mod, KtapMeta **meta)
{
	LowerMod m = { .prog = p, .opt = opt, .d = d, .strlen = opt->strlen, .probe_frames = -1,
		       .agg_zero = -1, .iters = -1 };
	Lower L = { &m, NULL };
	m.mod = *mod = ir_module_new();
	m.meta = *meta = xcalloc(1, sizeof(KtapMeta));
	m.meta->source_name = xstrdup(opt->source_name ? opt->source_name : "<input>");
	m.meta->strlen = opt->strlen;
	int errors = diag_errors(d);
	setup_data(&L);
	setup_tables(&L);
	Job *jobs = NULL;
	int njobs = 0;
	plan(&L, &jobs, &njobs);
	lower_jobs(&m, jobs, njobs);
	for (int i = 0; i < njobs; i++) {
		dispatch_free(jobs[i].disp);
		rawtp_free(jobs[i].rawtp);
	}
	free(jobs);
	free(m.table_map);
	free(m.table_drops);
	free(m.global_off);
	free(m.global_flag);
	free(m.irfunc[0]);
	free(m.irfunc[1]);
	return diag_errors(d) > errors ? -1 : 0;
}

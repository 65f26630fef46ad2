/* Lowering built-in functions: output (print, printf, print_hist), strings,
 * time, machine facts, exit, and the registration calls. */
#include <linux/bpf.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include "lower_impl.h"
#include "../common/uhelpers.h"
#include "../common/util.h"

static int add_format(Lower *L, KtapFormat *f)
{
	KtapMeta *m = L->m->meta;
	m->formats = xrealloc(m->formats, (m->nformats + 1) * sizeof(*m->formats));
	m->formats[m->nformats] = *f;
	return m->nformats++;
}

/* Bytes of an event's record that argstr copies after its fixed part when
 * the event has dynamic (__data_loc, __rel_loc) fields; longer dynamic data
 * is cut (docs/limits.md). The kernel writes a record at the start of an
 * 8 KiB per-CPU buffer, so reading this far stays inside it. */
enum { ARGSTR_DYNAMIC = 1024 };

/* argstr's copy of the raw record: the fixed part, as far as its last field
 * reaches (in 8-byte words, as the kernel lays records out), and the
 * dynamic part's first ARGSTR_DYNAMIC bytes. */
static int argstr_size(const Event *ev)
{
	int fixed = 8, dynamic = 0;
	for (int i = 0; i < ev->nfields; i++) {
		const EventField *f = &ev->fields[i];
		if (f->offset + f->size > fixed)
			fixed = f->offset + f->size;
		if (!strncmp(f->ctype, "__data_loc ", 11) || !strncmp(f->ctype, "__rel_loc ", 10))
			dynamic = ARGSTR_DYNAMIC;
	}
	return (fixed + 7) / 8 * 8 + dynamic;
}

static int is_argstr(const Node *n)
{
	return n->kind == N_BUILTIN && n->num == B_ARGSTR;
}

/* argstr: the raw record read from the context into the output record.
 * The kernel gives a program the record with a pointer over its first 8
 * bytes (the common fields): they become the event's ID (common_type, by
 * which the runtime finds the format) and zeros. A syscall dispatch has
 * built the record of the syscall's own event, ID included. */
static void argstr_copy(Lower *L, int dst, uint32_t size)
{
	if (L->fn->disp) {
		emit_copy(L, ir_r(dst), 0, dispatch_argstr(L), 0, size);
		return;
	}
	emit_call(L, BPF_FUNC_probe_read_kernel, 3, ir_r(dst), ir_imm(size), ir_r(L->fn->ctxreg));
	emit_store(L, ir_r(dst), 0, 8, ir_imm(L->fn->ev->id));
}

/* An argument's value at base+off (a string its a->size bytes), and a
 * maybe-nil one's presence after it. */
static void store_arg(Lower *L, Type *t, IrOpnd base, int off, const KtapArg *a, IrOpnd v, IrOpnd present)
{
	if (is_str(t))
		emit_copy(L, base, off, v, 0, a->size);
	else
		emit_store(L, base, off, 8, v);
	if (a->kind & V_MAYBE_NIL)
		emit_store(L, base, off + a->size, 8, present);
}

/* A value a helper gives without side effects: in the kernel it is made
 * after the record is reserved, straight into its place, as C would. */
static int in_record(const Node *n)
{
	if (n->kind != N_BUILTIN || n->cacc)
		return 0;
	return n->num == B_PID || n->num == B_TID || n->num == B_UID || n->num == B_CPU ||
	       n->num == B_EXECNAME;
}

/* Argument i of a kernel record at rec: the value vals[i] made before the
 * reserve, or made now into its place (in_record). */
static void record_arg(Lower *L, IrOpnd rec, Node *arg, const KtapArg *a, IrOpnd v, IrOpnd present)
{
	if (a->kind == V_ARGSTR)
		argstr_copy(L, emit_op(L, IR_ADD, rec, ir_imm(8 + a->off)), a->size);
	else if (v.kind != O_NONE)
		store_arg(L, ty(arg), rec, 8 + a->off, a, v, present);
	else if (is_execname(arg))
		execname_into(L, ir_r(emit_op(L, IR_ADD, rec, ir_imm(8 + a->off))), a->size);
	else
		emit_store(L, rec, 8 + a->off, 8, lower_expr(L, arg));
}

/* Kernel output: a ring buffer record {u32 id; u32 pad; payload}; a full
 * buffer counts a drop that the runtime reports. */
static void kernel_record(Lower *L, int id, int size, int n, IrOpnd *vals, IrOpnd *present,
			  KtapArg *args, Node **al)
{
	int p = emit_call(L, BPF_FUNC_ringbuf_reserve, 3, ir_r(emit_map(L, L->m->ringbuf)), ir_imm(8 + size),
			  ir_imm(0));
	IrBlock *ok = new_block(L), *drop = new_block(L), *done = new_block(L);
	emit_br(L, C_EQ, ir_r(p), ir_imm(0), drop, ok);
	set_block(L, ok);
	emit_store(L, ir_r(p), 0, 8, ir_imm(id));
	for (int i = 0; i < n; i++)
		record_arg(L, ir_r(p), al[i], &args[i], vals[i], present[i]);
	emit_call(L, BPF_FUNC_ringbuf_submit, 2, ir_r(p), ir_imm(0));
	emit_jmp(L, done);
	set_block(L, drop);
	count_drop(L, BSS_RB_DROPS);
	set_block(L, done);
}

/* A nilable variable or a table read (docs/language.md §4: a missing key's
 * value is nil) prints nil when absent. */
static int prints_nil(const Node *n)
{
	return n->kind == N_INDEX || nilable_name(n);
}

/* Print args (n of them) with format fmt (FMT_PRINT when NULL). A string
 * takes its str_bytes() in the record, which the runtime prints by. */
static void output(Lower *L, Node *call, char *fmt, Node **al, int n)
{
	KtapFormat f = { fmt ? FMT_PRINTF : FMT_PRINT, fmt, n, NULL, 0, call->loc.line };
	f.args = xcalloc(n, sizeof(KtapArg));
	IrOpnd vals[KTAP_PRINT_MAX], present[KTAP_PRINT_MAX];	/* sema: n is no more */
	for (int i = 0; i < n; i++) {
		Type *t = ty(al[i]);
		vals[i] = (IrOpnd){ O_NONE, 0 };
		if (is_argstr(al[i])) {	/* sema allows it only here, in a trace handler */
			int size = L->fn->disp ? dispatch_argstr_size(L->fn->disp) : argstr_size(L->fn->ev);
			f.args[i] = (KtapArg){ V_ARGSTR, f.size, size, NULL };
		} else if (prints_nil(al[i])) {
			/* its presence word follows the value: the runtime prints nil */
			f.args[i] = value_arg(L, t, f.size);
			f.args[i].kind |= V_MAYBE_NIL;
			vals[i] = lower_value(L, al[i], &present[i]);
			f.size += 8;
		} else {
			f.args[i] = value_arg(L, t, f.size);
			if (t && t->kind == TY_STR)
				f.args[i].size = str_bytes(al[i], L->m->strlen);
			if (!kernel(L) || !in_record(al[i]))
				vals[i] = lower_str(L, al[i], 0);
		}
		f.size += f.args[i].size;
	}
	at(L, call);
	int id = add_format(L, &f);
	KtapArg *args = L->m->meta->formats[id].args;
	if (kernel(L)) {
		kernel_record(L, id, f.size, n, vals, present, args, al);
		return;
	}
	int s = temp_slot(L, f.size ? f.size : 8);
	for (int i = 0; i < n; i++)
		store_arg(L, ty(al[i]), ir_slotop(s), args[i].off, &args[i], vals[i], present[i]);
	emit_call(L, KH_PRINTF, 2, ir_imm(id), ir_r(emit_addr(L, s)));
}

void lower_print(Lower *L, Node *call, int printf_like)
{
	NodeList *al = &call->list;
	if (printf_like)
		output(L, call, xstrndup(al->v[0]->str, al->v[0]->len), al->v + 1, al->n - 1);
	else
		output(L, call, NULL, al->v, al->n);
}

/* ansi.*: terminal escape sequences, printed with a fixed format. */
static void lower_ansi(Lower *L, Node *call)
{
	static const char *const seqs[][2] = {
		{ "clear_screen", "\033[1;1H\033[2J" }, { "reset_color", "\033[0m" },
		{ "new_line", "\n" }, { "set_color", "\033[%dm" },
		{ "set_color2", "\033[%d;%dm" }, { "set_color3", "\033[%d;%d;%dm" },
	};
	size_t i = 0;
	while (strcmp(call->a->str, seqs[i][0]))	/* sema knows every ansi.* here */
		i++;
	output(L, call, xstrdup(seqs[i][1]), call->list.v, call->list.n);
}

/* Bytes before the first NUL, without a branch: the verifier would see a
 * loop over the bytes as up to 64 outcomes, and several len() meeting in one
 * expression as every combination of them. alive stays 1 until the first
 * NUL; n counts the bytes while it does. */
static IrOpnd strlen_of(Lower *L, IrOpnd s)
{
	IrOpnd n = ir_imm(0), alive = ir_imm(1);
	for (int i = 0; i < L->m->strlen - 1; i++) {
		int c = emit_load(L, s, i, 1);
		int nul = emit_op(L, IR_SHR, ir_r(emit_op(L, IR_SUB, ir_r(c), ir_imm(1))), ir_imm(63));
		alive = ir_r(emit_op(L, IR_AND, alive, ir_r(emit_op(L, IR_XOR, ir_r(nul), ir_imm(1)))));
		n = ir_r(emit_op(L, IR_ADD, n, alive));
	}
	return n;
}

/* The helper with which string call n (user_string, kernel_string) reads
 * from its pointer argument, else 0. */
int string_reader(const Node *n)
{
	if (n->kind != N_CALL || n->cacc)
		return 0;
	return n->num == F_USER_STRING ? BPF_FUNC_probe_read_user_str :
	       n->num == F_KERNEL_STRING ? BPF_FUNC_probe_read_kernel_str : 0;
}

static IrOpnd read_string(Lower *L, int helper, IrOpnd ptr)
{
	IrOpnd dst = str_temp(L);
	emit_call(L, helper, 3, dst, ir_imm(L->m->strlen), ptr);
	return dst;
}

static IrOpnd walltime_ns(Lower *L)
{
	if (!kernel(L))
		return ir_r(emit_call(L, KH_WALLTIME_NS, 0));
	int now = emit_call(L, BPF_FUNC_ktime_get_ns, 0);
	int off = emit_load(L, ir_r(emit_mapval(L, DATA_BSS, BSS_WALL_OFFSET)), 0, 8);
	return ir_r(emit_op(L, IR_ADD, ir_r(now), ir_r(off)));
}

/* §14: in user-only code a string the runtime makes; elsewhere the number
 * (sema typed it to be printed as a name or a time). */
static IrOpnd lower_text(Lower *L, Node *call)
{
	NodeList *a = &call->list;
	int is_time = call->num == F_TIME || call->num == F_STRFTIME;
	IrOpnd v = call->num == F_TIME ? walltime_ns(L) : lower_expr(L, a->v[is_time]);
	if (!is_str(ty(call)))
		return v;
	IrOpnd fmt = ir_imm(0);
	if (is_time && a->n)
		fmt = lower_expr(L, a->v[0]);
	else if (is_time)
		fmt = ir_r(emit_mapval(L, DATA_RODATA, rodata_str(L, KTAP_TIME_FMT, strlen(KTAP_TIME_FMT))));
	KtapVKind kind = is_time ? V_TIME : call->num == F_SYSCALL_NAME ? V_SYSCALL : V_ERRNO;
	IrOpnd dst = str_temp(L);
	emit_call(L, KH_TEXT, 5, dst, ir_imm(L->m->strlen), ir_imm(kind), v, fmt);
	return dst;
}

static void lower_exit(Lower *L)
{
	if (!kernel(L)) {
		emit_call(L, KH_EXIT, 0);
		return;
	}
	/* the flag is what counts; the record only wakes the runtime up */
	emit_store(L, ir_r(emit_mapval(L, DATA_BSS, BSS_EXIT)), 0, 8, ir_imm(1));
	kernel_record(L, KTAP_REC_EXIT, 0, 0, NULL, NULL, NULL, NULL);
}

/* ntohs/ntohl: the low n bytes of v in the other order (network order is
 * big-endian, BPF and x86 little-endian). */
static IrOpnd byte_swap(Lower *L, IrOpnd v, int n)
{
	IrOpnd r = ir_imm(0);
	for (int i = 0; i < n; i++) {
		int b = emit_op(L, IR_AND, ir_r(emit_op(L, IR_SHR, v, ir_imm(8 * i))), ir_imm(0xff));
		r = ir_r(emit_op(L, IR_OR, r, ir_r(emit_op(L, IR_SHL, ir_r(b), ir_imm(8 * (n - 1 - i))))));
	}
	return r;
}

/* ntop(x): {u64 family; u8 addr[16]} in a zeroed buffer, from x as sema
 * typed it (call->op: the address's length): a number's low 4 bytes as
 * they lie in memory (network order), an array's first bytes, or the
 * bytes a typed pointer points to. */
static IrOpnd lower_ntop(Lower *L, Node *call)
{
	Node *x = call->list.v[0];
	Type *t = ty(x);
	IrOpnd v = lower_expr(L, x);
	if (t->kind == TY_ADDR)
		return v;
	IrOpnd dst = str_temp(L);
	int len = call->op;
	emit_store(L, dst, 0, 8, ir_imm(len == 4 ? AF_INET : AF_INET6));
	if (t->kind == TY_NUM) {
		emit_store(L, dst, 8, 4, v);
	} else if (t->kind == TY_ARRAY) {
		emit_copy(L, dst, 8, v, 0, len);
	} else {
		int read = t->user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel;
		emit_call(L, read, 3, ir_r(emit_op(L, IR_ADD, dst, ir_imm(8))), ir_imm(len), v);
	}
	return dst;
}

IrOpnd lower_builtin(Lower *L, Node *call)
{
	NodeList *a = &call->list;
	Node *a0 = a->n > 0 ? a->v[0] : NULL;
	IrOpnd v;
	static const int64_t div[] = { 1, 1000, 1000000, 1000000000 };
	switch (call->num) {
	case F_PRINT:
	case F_PRINTF:
		lower_print(L, call, call->num == F_PRINTF);
		return ir_imm(0);
	case F_PRINT_HIST:
		emit_call(L, KH_PRINT_HIST, 2, ir_r(table_map(L, ty(a0)->table)),
			  a->n > 1 ? lower_expr(L, a->v[1]) : ir_imm(20));
		return ir_imm(0);
	case F_PRINT_LHIST: {
		TableInfo *t = ty(a0)->table;
		emit_call(L, KH_PRINT_LHIST, 4, ir_r(table_map(L, t)), ir_imm(t->lmin), ir_imm(t->lmax),
			  ir_imm(t->lstep));
		return ir_imm(0);
	}
	case F_PRINT_STATS:
		emit_call(L, KH_PRINT_STATS, 1, ir_r(table_map(L, ty(a0)->table)));
		return ir_imm(0);
	case F_AGG_COUNT:
	case F_AGG_SUM:
	case F_AGG_AVG:
	case F_AGG_MIN:
	case F_AGG_MAX:
		return agg_stat(L, call);
	case F_LEN:
		if (is_str(ty(a0)))
			return strlen_of(L, lower_expr(L, a0));
		return ir_r(emit_call(L, KH_MAP_LEN, 1, ir_r(table_map(L, ty(a0)->table))));
	case F_DELETE:
		emit_call(L, KH_MAP_CLEAR, 1, ir_r(table_map(L, ty(a0)->table)));
		return ir_imm(0);
	case F_KERNEL_STRING:
	case F_USER_STRING:
		return read_string(L, string_reader(call), lower_expr(L, a0));
	case F_STACK:
	case F_USTACK:
		return lower_stack(L, call);
	case F_STRINGOF:
		return is_str(ty(a0)) ? lower_expr(L, a0) : text_of(L, &a0, 1);
	case F_IPOF:
		return lower_expr(L, a0);
	case F_NTOP:
		return lower_ntop(L, call);
	case F_NTOHS:
	case F_NTOHL:
		return byte_swap(L, lower_expr(L, a0), call->num == F_NTOHS ? 2 : 4);
	case F_GETTIMEOFDAY_NS:
	case F_GETTIMEOFDAY_US:
	case F_GETTIMEOFDAY_MS:
	case F_GETTIMEOFDAY_S:
		v = walltime_ns(L);
		if (call->num == F_GETTIMEOFDAY_NS)
			return v;
		return ir_r(emit_op(L, IR_DIV, v, ir_imm(div[call->num - F_GETTIMEOFDAY_NS])));
	case F_TIME:
	case F_STRFTIME:
	case F_SYSCALL_NAME:
	case F_ERRNO_NAME:
		return lower_text(L, call);
	case F_NUM_CPUS:
		if (kernel(L))
			return ir_r(emit_load(L, ir_r(emit_mapval(L, DATA_BSS, BSS_NUM_CPUS)), 0, 8));
		return ir_r(emit_call(L, KH_NUM_CPUS, 0));
	case F_ARCH:
	case F_KERNEL_V:
		v = str_temp(L);
		emit_call(L, call->num == F_ARCH ? KH_ARCH : KH_KERNEL_V, 2, v, ir_imm(L->m->strlen));
		return v;
	case F_EXIT:
		lower_exit(L);
		return ir_imm(0);
	case F_ANSI:
		lower_ansi(L, call);
		return ir_imm(0);
	case F_TABLE_NEW:
		return ir_imm(0);
	case F_FFI_CAST:
		return lower_expr(L, call->list.v[1]);
	case F_KDEBUG_TRACEPOINT:
	case F_KDEBUG_KPROBE:
	case F_KDEBUG_KRETPROBE:
	case F_KDEBUG_TRACE_END:
	case F_TIMER_TICK:
	case F_TIMER_PROFILE:
		emit_call(L, KH_ATTACH, 1, ir_imm(func_group(L, call)));
		return ir_imm(0);
	default:
		lower_error(L, DC_INTERNAL, call, "internal compiler error: built-in function %d has no lowering", (int)call->num);
		return ir_imm(0);
	}
}

/* Lowering's private state, shared by its files. */
#ifndef KTAP_LOWER_IMPL_H
#define KTAP_LOWER_IMPL_H

#include "lower.h"

typedef struct Dispatch Dispatch;
typedef struct RawTp RawTp;

/* Lowering's state is split by where a field is written. What lower_program
 * sets up before the first function, or fills lazily for the whole object
 * (a map, a data variable, an answer about the kernel), is the module's:
 * LowerMod, one per call of lower_program. What describes the function
 * being lowered, or changes while its body is lowered, is the function's:
 * LowerFn, made fresh for each function and freed at its end, so nothing
 * leaks from one function into the next. A bpf_loop callback starts from
 * a copy of its function's LowerFn (it shares the locals and the frame)
 * and gives back only the frame's size. */
typedef struct LowerMod {
	Program *prog;
	const LowerOptions *opt;
	Diag *d;
	IrModule *mod;
	KtapMeta *meta;
	int strlen;
	int ringbuf;		/* map index */
	int *table_map;		/* TableInfo.id -> map index */
	int *table_drops;	/* TableInfo.id -> .bss offset of its drop counter */
	int *global_off;	/* global index -> .bss offset */
	int *global_flag;	/* global index -> .bss offset of its presence flag */
	int *irfunc[2];		/* Func index -> IrFunc index, [0] user, [1] kernel; -1 if none */
	int empty_str;		/* .rodata offset of an all-zero string */
	int agg_zero;		/* .rodata offset of an all-zero aggregation value, -1 until needed */
	int probe_frames;	/* the frame map all probes share, -1 until needed */
	int iters;		/* the kernel has open-coded numeric iterators: 1, 0, -1 not asked yet */
} LowerMod;

typedef struct LowerFn {
	Func *sf;
	IrFunc *f;
	IrBlock *b;		/* where instructions go */
	IrCtx ctx;
	Event *ev;		/* the event of this kernel program, or NULL */
	Dispatch *disp;		/* or the syscall events it dispatches, or NULL */
	RawTp *rawtp;		/* or the events it is attached to by cookie, or NULL */
	int *local;		/* local index -> vreg (numbers) or slot (strings), or its
				   offset in the frame when the function has one */
	int *flag;		/* local index -> vreg or frame offset of a nilable
				   local's presence flag, else -1 */
	char *set_how;		/* local index -> SET_* (loop_facts): how the function sets it */
	int cb_loops;		/* kernel: some loop's body is a bpf_loop callback (needs_frame) */
	int framed;		/* the locals live in a frame (the function has kernel loops) */
	int frame_ptr;		/* framed: the vreg with the frame's address */
	int link;		/* framed, outside loop bodies: the slot of the link */
	int linkreg;		/* in a loop body's callback: the vreg with the link's address, else -1 */
	int frame_next;		/* next free byte of the frame */
	int frame_size;		/* the frame's size so far (loop bodies included) */
	int frame_map;		/* the frame's map, in the function that owns it */
	int ctxreg;		/* kernel programs: the vreg with the ctx pointer */
	int progctx;		/* probes: the vreg with the program's own ctx (ctxreg may
				   be a record made from it), else -1 */
	int retbuf;		/* functions returning a string: vreg of the caller's buffer, else -1 */
	IrBlock *brk;		/* where break goes */
	int *open_it, nopen;	/* slots of the iterators open where we are, innermost last */
	int *temps, ntemps;	/* temporary slots in use, in order of allocation */
	int *spare, nspare;	/* temporary slots free for reuse */
	int line, col;
} LowerFn;

/* fn is NULL while lower_program sets up the module: what runs then
 * reaches only m. */
typedef struct Lower {
	LowerMod *m;
	LowerFn *fn;
} Lower;

/* emit.c: instructions at the current position */
IrIns *emit(Lower *L, IrOp op);
int emit_op(Lower *L, IrOp op, IrOpnd a, IrOpnd b);	/* d = a op b */
int emit_mov(Lower *L, IrOpnd a);
void emit_set(Lower *L, int dst, IrOpnd a);	/* dst = a, dst an existing vreg (expr.c) */
int emit_load(Lower *L, IrOpnd base, int off, int size);
void emit_store(Lower *L, IrOpnd base, int off, int size, IrOpnd v);
void emit_copy(Lower *L, IrOpnd dst, int doff, IrOpnd src, int soff, int size);
void emit_zero(Lower *L, int slot);
int emit_addr(Lower *L, int slot);
int emit_mapval(Lower *L, int sec, int off);
int emit_map(Lower *L, int map);
int emit_call(Lower *L, int helper, int nargs, ...);	/* IrOpnd args */
void emit_xadd(Lower *L, IrOpnd base, int off, IrOpnd v);
void emit_jmp(Lower *L, IrBlock *t);
void emit_br(Lower *L, IrCond c, IrOpnd a, IrOpnd b, IrBlock *t, IrBlock *f);
void emit_ret(Lower *L, IrOpnd v);
IrBlock *new_block(Lower *L);
void set_block(Lower *L, IrBlock *b);
void at(Lower *L, const Node *n);	/* instructions that follow belong to n's line */
IrOpnd execname_into(Lower *L, IrOpnd p, int size);
IrOpnd str_temp(Lower *L);		/* a pointer to a zeroed temporary string buffer */
IrOpnd frame_str(Lower *L, int zero);	/* framed: one in the frame, zeroed or not */
int temp_slot(Lower *L, int size);	/* valid until the end of the statement */
void release_temps(Lower *L, int mark);	/* temporaries since mark may be reused */
int rodata_str(Lower *L, const char *s, size_t len);	/* .rodata offset */
int rodata_value(Lower *L, const char *s, size_t len);	/* the same, all len bytes */
int rodata_fmt(Lower *L, const char *fmt);
void count_drop(Lower *L, int bss_off);

/* types.c */
Type *ty(const Node *n);
int is_str(Type *t);
int val_size(Lower *L, Type *t);
int var_size(Lower *L, Symbol *s);
int table_val_size(Lower *L, TableInfo *t);
KtapVKind vkind(Type *t);
IrLayout *layout_of(Lower *L, Type *t);
IrLayout *layout_sized(Lower *L, Type *t, int size);
KtapArg value_arg(Lower *L, Type *t, uint32_t off);

/* expr.c */
int extend(Lower *L, int v, int size, int is_signed);	/* v's low `size` bytes as an integer */
IrOpnd field_int(Lower *L, IrOpnd base, const EventField *fl);	/* an EF_INT at base */
IrOpnd lower_expr(Lower *L, Node *n);
IrOpnd lower_str(Lower *L, Node *n, int want);	/* n; a string in a buffer of want bytes at least */
/* The text of parts (strings and numbers) joined, as `..` makes it: a string temp. */
IrOpnd text_of(Lower *L, Node **parts, int np);
void lower_cond(Lower *L, Node *n, IrBlock *t, IrBlock *f);
void store_value(Lower *L, Type *t, IrOpnd dst, int off, IrOpnd v);
IrOpnd lower_call(Lower *L, Node *n);

/* table.c */
IrOpnd table_read(Lower *L, Node *index, IrOpnd *found);
IrOpnd table_get(Lower *L, TableInfo *t, IrOpnd key, IrOpnd *found);
int table_map(Lower *L, TableInfo *t);	/* vreg with the map's address */
void table_write(Lower *L, Node *index, Node *value, int op);
void table_ctor(Lower *L, TableInfo *t, Node *ctor);
IrOpnd table_key(Lower *L, TableInfo *t, NodeList *keys);	/* a pointer */
int key_size(Lower *L, TableInfo *t);
int key_part_size(Lower *L, TableInfo *t, int i);
void table_update_check(Lower *L, TableInfo *t, int r, IrBlock *done);

/* agg.c: aggregations, `t[k] <<< v` and count() sum() avg() min() max() */
int agg_value_size(TableInfo *t);
void agg_record(Lower *L, TableInfo *t, IrOpnd key, Node *value);
IrOpnd agg_stat(Lower *L, Node *call);

/* out.c: print, printf and the other built-ins that output */
void lower_print(Lower *L, Node *call, int printf_like);
IrOpnd lower_builtin(Lower *L, Node *call);
int string_reader(const Node *n);	/* user_string's helper, kernel_string's, else 0 */

/* stack.c: stack() and ustack() */
IrOpnd lower_stack(Lower *L, Node *call);

/* stmt.c */
void lower_block(Lower *L, Node *block);

/* local.c: where locals live. Normally numbers in vregs and strings in
 * slots; in a kernel function with loops or strings, all of them, and its
 * string temporaries, live in a frame, the value of a per-CPU array map of
 * its own, which the bpf_loop callbacks that run the loop bodies reach
 * through a link on the function's stack. The frame is map memory rather
 * than stack because BPF's stack is 512 bytes (eight strings), and because
 * the verifier tracks stack values exactly: a counter it knows would make it
 * walk every iteration of a loop. */
enum { FR_STATUS = 0, FR_RETVAL = 8, FR_LOCALS = 16 };	/* the frame */
enum { LK_CTX = 0, LK_FRAME = 8, LK_RETBUF = 16, LK_PROGCTX = 24, LK_SIZE = 32 };	/* the link */
enum { ST_RUN, ST_BREAK, ST_RETURN };	/* FR_STATUS: how a loop body ended */
/* Does a node of the tree satisfy pred? A pred that returns 0 visits them all. */
int any(const Node *n, int (*pred)(const Node *, void *), void *ctx);
int needs_frame(Lower *L, Func *sf);
int frame_alloc(Lower *L, int size);	/* an offset in the frame */
void frame_setup(Lower *L, Func *sf);	/* at function entry: homes for the locals */
void frame_done(Lower *L);		/* at function end: the frame's size */
IrOpnd frame_base(Lower *L);
IrOpnd link_addr(Lower *L);
int in_callback(Lower *L);
IrOpnd local_get(Lower *L, Symbol *s);
void str_set(Lower *L, Symbol *s, IrOpnd v, int have);
/* The test of a numeric for's variable against its limit that ends it. */
static inline IrCond for_ended(int64_t step)
{
	return step > 0 ? C_GT : C_LT;
}
IrOpnd global_addr(Lower *L, Symbol *s);	/* where global s's bytes are in .bss */
IrOpnd str_addr(Lower *L, Symbol *s);	/* where string variable s's bytes are */
void str_set_execname(Lower *L, Symbol *s);
void local_set(Lower *L, Symbol *s, IrOpnd v, int op);
void local_zero(Lower *L, Symbol *s);
int nilable_name(const Node *n);	/* a variable that may hold nil */
IrOpnd presence_get(Lower *L, Symbol *s);	/* 1 for a variable that is never nil */
void presence_set(Lower *L, Symbol *s, IrOpnd present);	/* nothing if never nil */
/* n's value, and in *present whether it is there (a table read, nil, a
 * nilable variable may not be). */
IrOpnd lower_value(Lower *L, Node *n, IrOpnd *present);

/* loop.c: kernel loops, open-coded iterators or bpf_loop callbacks */
typedef enum { LOOP_WHILE, LOOP_REPEAT, LOOP_FOR } LoopKind;
void kernel_loop(Lower *L, Node *n, LoopKind kind, IrOpnd limit, int64_t step);
int loop_in_callback(Lower *L, const Node *n);	/* n's body is a bpf_loop callback */
void loop_facts(Lower *L);	/* fills L->fn->set_how, before frame_setup */
void loops_leave(Lower *L);	/* before a return: destroy the open iterators */
void callback_return(Lower *L, IrOpnd v);
void finish_func(IrFunc *f);

/* lower.c */
int kernel(Lower *L);
void lower_error(Lower *L, DiagCode code, const Node *n, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int func_group(Lower *L, const Node *site);	/* Func index registered by site */
int map_find(Lower *L, const char *name);	/* the map's index, or -1 */

/* dispatch.c: a handler's many syscall events of one direction as one
 * program on raw_syscalls:sys_enter or sys_exit. */
void dispatch_plan(Lower *L, Func *sf, Dispatch *out[2]);	/* NULL: per event */
int dispatch_covers(Dispatch *const d[2], const Event *ev);
const char *dispatch_target(const Dispatch *d);	/* "sys_enter", "sys_exit" */
void dispatch_entry(Lower *L);	/* L->fn->disp's program up to the body */
const EventField *dispatch_arg(const Dispatch *d, int n);
const EventField *dispatch_field(const Dispatch *d, const char *name);
IrOpnd dispatch_probename(Lower *L);
int dispatch_argstr_size(const Dispatch *d);
IrOpnd dispatch_argstr(Lower *L);	/* the record argstr copies */
void dispatch_free(Dispatch *d);

/* rawtp.c: a handler's many other events, when it reads no record, as one
 * raw tracepoint program attached per event with the event's index as
 * its cookie. */
RawTp *rawtp_plan(Lower *L, int fi, Dispatch *const disp[2]);	/* NULL: per event */
int rawtp_covers(const RawTp *r, const Event *ev);
int rawtp_count(const RawTp *r);
const Event *rawtp_event(const RawTp *r, int i);
IrOpnd rawtp_probename(Lower *L);
void rawtp_free(RawTp *r);

/* probe.c: kprobe and uprobe programs. */
char *probe_section(const Event *ev, KtapHandlerKind *kind, const char **target, uint64_t *offset);
IrOpnd probe_mem(Lower *L, const EventField *fl);	/* an EF_MEM fetch-arg */

/* lower_core.c */
IrOpnd lower_typed(Lower *L, Node *n);	/* a read sema resolved (n->cacc) */

#endif

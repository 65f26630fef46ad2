/* The IR: the one interface between the front and the back (as in QBE).
 *
 * A function is a list of basic blocks of three-address instructions over
 * virtual registers. Every value is 64 bits. Memory is addressed as base +
 * constant offset, where the base is a virtual register holding a pointer or
 * a stack slot of the function (fixed-size, laid out by the backend). The
 * same IR is compiled for the kernel (BPF programs) and for user context
 * (BPF code run by the runtime's interpreter); they differ only in the
 * helpers they call. */
#ifndef KTAP_IR_H
#define KTAP_IR_H

#include <stdint.h>
#include <stdio.h>
#include "ops.h"
#include "../common/datasec.h"	/* IrModule.data: .bss, .data, .rodata */

/* The ops, from the table of ops.h (their meaning is in docs/ir.md):
 *   d = a (MOV); d = a op b (ADD..SAR: signed 64-bit, x/0 = 0, x%0 = x);
 *   d = op a (NEG, NOT);
 *   d = *(size *)(a + off), zero-extended (LOAD; target k > 0: off and size
 *     are CO-RE relocation k - 1's, which libbpf rewrites);
 *   *(size *)(a + off) = b (STORE); d = address of slot a, plus off (ADDR);
 *   atomic *(u64 *)(a + off) += b (XADD); zero size bytes at slot a + off
 *   (ZERO); copy size bytes from b + off2 to a + off (COPY);
 *   d = pointer to map target (MAP), into data section target at off
 *   (MAPVAL), to function target (FUNCADDR: bpf_loop's callback);
 *   d = a as CO-RE relocation target computes it where it loads (CORE);
 *   d = helper target(args) (CALL), function target(args) (CALLF);
 *   terminators, exactly one, last in its block: goto t (JMP),
 *   if (a cond b) goto t else goto f (BR), return a or 0 (RET). */
typedef enum {
#define X(op, ...) IR_##op,
	IR_OPS(X)
#undef X
	IR_NOPS
} IrOp;

/* An op's row of the table. */
typedef struct IrOpInfo {
	const char *name;
	unsigned char a, b;	/* K_* masks */
	unsigned char dst;	/* D_* */
	unsigned flags;		/* F_* */
} IrOpInfo;

extern const IrOpInfo ir_ops[IR_NOPS];

/* Whether op has all the flags f (ops.h). */
static inline int ir_op_is(IrOp op, unsigned f) { return (ir_ops[op].flags & f) == f; }
/* Whether helper id has all the facts h (ops.h's IR_HELPERS); user
 * helpers (KH_*) have none. */
int ir_helper_is(int64_t id, unsigned h);
/* For CSE and code motion: the result depends on the operands alone. */
static inline int ir_op_pure(IrOp op) { return ir_op_is(op, F_PURE); }

typedef enum {
	C_EQ, C_NE,
	C_LT, C_LE, C_GT, C_GE,		/* signed */
	C_ULT, C_ULE, C_UGT, C_UGE,	/* unsigned */
	C_SET,				/* (a & b) != 0 */
} IrCond;

typedef enum { O_NONE, O_VREG, O_IMM, O_SLOT } IrOpndKind;

typedef struct IrOpnd {
	IrOpndKind kind;
	int64_t v;	/* vreg number, immediate value or slot number */
} IrOpnd;

typedef struct IrBlock IrBlock;

typedef struct IrIns {
	IrOp op;
	int dst;		/* destination vreg, or -1 */
	IrOpnd a, b;
	int32_t off, off2;
	int size;		/* LOAD/STORE: 1, 2, 4, 8; ZERO/COPY: bytes */
	IrCond cond;		/* BR */
	int64_t target;		/* CALL: helper id; CALLF, FUNCADDR: func index; MAP: map index;
				   MAPVAL: data section; LOAD: 1 + CO-RE relocation, or 0 */
	int nargs;		/* CALL, CALLF */
	IrOpnd args[5];
	IrBlock *t, *f;		/* JMP: t; BR: t and f */
	int line, col;		/* script position, for line info and -S */
} IrIns;

struct IrBlock {
	int id;
	IrIns *ins;
	int n, cap;
};

typedef struct IrSlot {
	int size;	/* bytes, a multiple of 8 */
} IrSlot;

typedef enum { IRF_KERNEL, IRF_USER } IrCtx;

typedef struct IrFunc {
	char *name;		/* symbol name */
	char *section;		/* kernel programs: "tracepoint/sched/sched_switch";
				   kernel subprograms: ".text"; user context: NULL */
	IrCtx ctx;
	int nparams;		/* params arrive in vregs 0..nparams-1 (handlers: 1, the ctx) */
	int nvregs;
	IrSlot *slots;
	int nslots;
	IrBlock **blocks;	/* blocks[0] is the entry; order is layout order */
	int nblocks;
	int line;		/* where the function starts */
	int global;		/* kernel subprograms: verified once on their own, not
				   at every call (docs/lowering.md, "Calls") */
	int bufs;		/* global ones: the params (bit i for vreg i) that point
				   to a string buffer of bufsize bytes */
	int bufsize;
} IrFunc;

/* The layout of a value in memory: map keys and values, globals, output
 * records. Used for BTF and by the runtime to print values. */
typedef enum { L_NUM, L_BOOL, L_STR, L_STACK, L_TUPLE } IrLayoutKind;

typedef struct IrLayout {
	IrLayoutKind kind;
	int size;			/* bytes: 8 for NUM/BOOL/STACK, the buffer for STR */
	int nfields;			/* L_TUPLE: fields at 8-aligned offsets */
	struct IrLayout **fields;
	int *offs;
} IrLayout;

/* A map the functions use. */
typedef struct IrMap {
	char *name;
	uint32_t type;		/* BPF_MAP_TYPE_* */
	uint32_t max_entries, flags;
	IrLayout *key, *value;	/* NULL for maps without BTF key/value (ringbuf) */
	uint32_t key_size, value_size;
} IrMap;


typedef struct IrVar {
	char *name;
	int off;
	IrLayout *layout;
} IrVar;

typedef struct IrData {
	uint8_t *bytes;		/* initial contents (all zero for .bss) */
	int size;
	IrVar *vars;
	int nvars;
} IrData;

/* A CO-RE relocation (docs/language.md §13): a fact about a member of a kernel
 * struct, found from root through member indexes of btf (the kernel's). */
enum { IR_CORE_MAXPATH = 8 };
typedef struct IrCore {
	uint32_t kind;		/* enum bpf_core_relo_kind: BPF_CORE_FIELD_BYTE_OFFSET, ... */
	uint32_t root;		/* a named struct or union */
	int idx[IR_CORE_MAXPATH];
	int n;
} IrCore;

typedef struct IrModule {
	IrFunc **funcs;
	int nfuncs;
	IrMap *maps;
	int nmaps;
	IrData data[DATA_NSEC];
	IrLayout **layouts;	/* owned, freed with the module */
	int nlayouts;
	IrCore *cores;
	int ncores;
	const struct btf *btf;	/* the kernel BTF the cores refer to (not owned) */
} IrModule;

/* Building */
IrModule *ir_module_new(void);
void ir_module_free(IrModule *m);
IrFunc *ir_func_new(IrModule *m, const char *name, const char *section, IrCtx ctx, int nparams);
int ir_vreg(IrFunc *f);
int ir_slot(IrFunc *f, int size);
IrBlock *ir_block(IrFunc *f);
IrIns *ir_emit(IrBlock *b, IrOp op);	/* zeroed instruction with dst -1 appended to b */
int ir_map(IrModule *m, const IrMap *map);	/* copies it (and its name); returns its index */
/* A layout owned by m: L_TUPLE takes nfields (fields and offs filled by the caller). */
IrLayout *ir_layout(IrModule *m, IrLayoutKind kind, int size, int nfields);
/* Reserve size bytes (8-aligned) in data section sec for a variable; returns the offset. */
/* Add a CO-RE relocation; returns its index. */
int ir_core(IrModule *m, const IrCore *c);
int ir_data_var(IrModule *m, int sec, const char *name, IrLayout *layout, const void *init);

static inline IrOpnd ir_r(int v) { return (IrOpnd){ O_VREG, v }; }
static inline IrOpnd ir_imm(int64_t v) { return (IrOpnd){ O_IMM, v }; }
static inline IrOpnd ir_slotop(int s) { return (IrOpnd){ O_SLOT, s }; }

/* The operands of i, into o: a, b, then the arguments of a call (at most
 * 7); returns how many. As strchr, o points into i: write through it only
 * where i is not const. */
int ir_opnds(const IrIns *i, IrOpnd *o[7]);
/* Does i call a function of the module: a user function, or a helper's
 * callback (bpf_loop's)? */
int ir_calls_function(const IrIns *i);
/* The vregs i reads, into u (at most 7); returns how many. */
int ir_uses(const IrIns *i, int u[7]);
/* The last instruction of b, or NULL. */
IrIns *ir_last(IrBlock *b);
/* The blocks control goes to after b, into s; returns how many (0-2). */
int ir_succs(const IrBlock *b, IrBlock *s[2]);
/* True for the terminators: JMP, BR, RET. */
static inline int ir_is_term(IrOp op) { return ir_op_is(op, F_TERM); }

/* Printing (ktapc --emit=ir) */
void ir_print_func(FILE *out, const IrFunc *f);
void ir_print_module(FILE *out, const IrModule *m);
const char *ir_op_name(IrOp op);
/* The condition that holds of (b, a) when c holds of (a, b): slt is sgt. */
IrCond ir_cond_swapped(IrCond c);
/* The condition that holds when c does not, or -1 (C_SET has none). */
int ir_cond_negated(IrCond c);
/* Whether x c y holds. */
int ir_cond_holds(IrCond c, int64_t x, int64_t y);

/* The pass driver (opt.c): checks each function of m (ir_check_in), runs
 * the passes (constant folding, copy propagation, dead code elimination,
 * removal of unreachable blocks; semantics preserving) to a fixpoint and
 * checks the result. after, when not NULL, stops at the IR as it is right
 * after the first run of that pass ("lower": before any). NULL, or the
 * function found malformed with the problem in err. */
IrFunc *ir_run_passes(IrModule *m, const char *after, char *err, size_t n);
/* Whether --after=name names a pass; and all their names, in order
 * ("lower, fold, ..., order"), for messages. */
int ir_pass_known(const char *name);
const char *ir_pass_names(void);
/* All the passes on one function, without checks (tests). */
void ir_optimize(IrFunc *f);

#endif

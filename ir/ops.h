/* The IR's operations: the one definition (as QBE's ops.h). Every pass that
 * needs a fact about an op (the printer, the checker, DCE, folding, CSE,
 * instruction selection) reads it from this table; none keeps its own list
 * or relies on the order of the enum. docs/ir.md describes each op.
 *
 * X(NAME, name, a, b, dst, flags, alu)
 *   name   its text in --emit=ir
 *   a, b   the operand kinds it accepts (K_* masks; K_NONE: absent)
 *   dst    whether it writes a destination vreg: D_NO, D_YES, D_MAYBE
 *   flags  F_* below
 *   alu    the BPF ALU op isel emits for a binary op that maps onto one
 *          (a token, only expanded where linux/bpf.h is included), else -1 */
#ifndef KTAP_IR_OPS_H
#define KTAP_IR_OPS_H

#define IR_OPS(X) \
	X(MOV,      "mov",      VAL,    K_NONE, D_YES,   F_PURE, -1) \
	X(ADD,      "add",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD | F_COMM, BPF_ADD) \
	X(SUB,      "sub",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, BPF_SUB) \
	X(MUL,      "mul",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD | F_COMM, BPF_MUL) \
	X(DIV,      "div",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, -1) \
	X(MOD,      "mod",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, -1) \
	X(AND,      "and",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD | F_COMM, BPF_AND) \
	X(OR,       "or",       VAL,    VAL,    D_YES,   F_PURE | F_FOLD | F_COMM, BPF_OR) \
	X(XOR,      "xor",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD | F_COMM, BPF_XOR) \
	X(SHL,      "shl",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, BPF_LSH) \
	X(SHR,      "shr",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, BPF_RSH) \
	X(SAR,      "sar",      VAL,    VAL,    D_YES,   F_PURE | F_FOLD, BPF_ARSH) \
	X(NEG,      "neg",      VAL,    K_NONE, D_YES,   F_PURE | F_FOLD, -1) \
	X(NOT,      "not",      VAL,    K_NONE, D_YES,   F_PURE | F_FOLD, -1) \
	X(LOAD,     "load",     BASE,   K_NONE, D_YES,   F_READS | F_ACCESS, -1) \
	X(STORE,    "store",    BASE,   VAL,    D_NO,    F_EFFECT | F_ACCESS, -1) \
	X(ADDR,     "addr",     K_SLOT, K_NONE, D_YES,   F_PURE, -1) \
	X(XADD,     "xadd",     K_VREG, VAL,    D_NO,    F_EFFECT, -1) \
	X(ZERO,     "zero",     K_SLOT, K_NONE, D_NO,    F_EFFECT | F_BLOCK, -1) \
	X(COPY,     "copy",     BASE,   BASE,   D_NO,    F_EFFECT | F_BLOCK, -1) \
	X(MAP,      "map",      K_NONE, K_NONE, D_YES,   F_PURE | F_TMAP, -1) \
	X(MAPVAL,   "mapval",   K_NONE, K_NONE, D_YES,   F_PURE | F_TDATA, -1) \
	X(FUNCADDR, "funcaddr", K_NONE, K_NONE, D_YES,   F_PURE | F_TFUNC, -1) \
	X(CORE,     "core",     K_IMM,  K_NONE, D_YES,   F_PURE | F_TCORE, -1) \
	X(CALL,     "call",     K_NONE, K_NONE, D_MAYBE, F_EFFECT | F_ARGS | F_THELPER, -1) \
	X(CALLF,    "callf",    K_NONE, K_NONE, D_MAYBE, F_EFFECT | F_ARGS | F_TFUNC, -1) \
	X(JMP,      "jmp",      K_NONE, K_NONE, D_NO,    F_EFFECT | F_TERM, -1) \
	X(BR,       "br",       VAL,    VAL,    D_NO,    F_EFFECT | F_TERM, -1) \
	X(RET,      "ret",      K_NONE | VAL, K_NONE, D_NO, F_EFFECT | F_TERM, -1)

/* Operand kind masks (bit O_* of IrOpndKind). */
enum {
	K_NONE = 1 << 0, K_VREG = 1 << 1, K_IMM = 1 << 2, K_SLOT = 1 << 3,
	VAL = K_VREG | K_IMM,		/* a value */
	BASE = K_VREG | K_SLOT,		/* a memory base: a pointer or a stack slot */
};

enum { D_NO, D_YES, D_MAYBE };

enum {
	/* computes its result from its operands alone: no memory read, no
	   effect; may be removed when unused, merged with an equal one (CSE)
	   and moved anywhere its operands are defined. No op faults: BPF
	   defines x/0 and x%0 */
	F_PURE = 1 << 0,
	/* reads memory: removable when unused, but not merged or moved past a
	   write, nor above the check that makes its base valid */
	F_READS = 1 << 1,
	/* does something besides its result: never removed */
	F_EFFECT = 1 << 2,
	F_TERM = 1 << 3,	/* ends its block (and only the last op of a block may) */
	F_COMM = 1 << 4,	/* a op b == b op a */
	F_FOLD = 1 << 5,	/* ir_fold evaluates it when its operands are constants */
	F_ACCESS = 1 << 6,	/* size is 1, 2, 4 or 8 bytes at a + off */
	F_BLOCK = 1 << 7,	/* size is a positive byte count at a + off (ZERO: 8-aligned) */
	F_ARGS = 1 << 8,	/* args[0..nargs): values or slots, at most 5 */
	/* what target indexes */
	F_TMAP = 1 << 9, F_TDATA = 1 << 10, F_TFUNC = 1 << 11, F_TCORE = 1 << 12,
	F_THELPER = 1 << 13,
};

/* What the passes know of the helpers a CALL names (its target), one row
 * each; a helper without a row may do anything to memory and maps.
 *
 * X(name, facts)   name: BPF_FUNC_<name>; facts: H_* below */
#define IR_HELPERS(X) \
	X(get_current_pid_tgid,  H_FIXED | H_KEEPS_MAPS) \
	X(get_current_uid_gid,   H_FIXED | H_KEEPS_MAPS) \
	X(get_current_task,      H_FIXED | H_KEEPS_MAPS) \
	X(get_current_task_btf,  H_FIXED | H_KEEPS_MAPS) \
	X(get_smp_processor_id,  H_FIXED | H_KEEPS_MAPS) \
	X(map_lookup_elem,       H_KEEPS_MAPS) \
	X(ktime_get_ns,          H_KEEPS_MAPS) \
	X(ktime_get_boot_ns,     H_KEEPS_MAPS) \
	X(get_current_comm,      H_KEEPS_MAPS | H_FILLS) \
	X(probe_read_kernel,     H_KEEPS_MAPS | H_FILLS) \
	X(probe_read_user,       H_KEEPS_MAPS | H_FILLS) \
	X(probe_read_kernel_str, H_KEEPS_MAPS) \
	X(probe_read_user_str,   H_KEEPS_MAPS) \
	X(ringbuf_output,        H_KEEPS_MAPS) \
	X(ringbuf_reserve,       H_KEEPS_MAPS) \
	X(ringbuf_submit,        H_KEEPS_MAPS) \
	X(ringbuf_discard,       H_KEEPS_MAPS) \
	X(loop,                  H_CALLS_BACK)

enum {
	/* the result is fixed for one run of a program (a program runs on one
	   task and one CPU): CSE reuses it */
	H_FIXED = 1 << 0,
	/* changes no map's entries and writes no memory but what its
	   arguments point to: lookup results stay valid across it */
	H_KEEPS_MAPS = 1 << 1,
	/* writes all args[1] bytes at args[0], whatever happens (zeroes on
	   failure), and reads no memory but through its other arguments: what
	   was stored there before is dead */
	H_FILLS = 1 << 2,
	/* calls a function of the module (bpf_loop's callback) */
	H_CALLS_BACK = 1 << 3,
};

#endif

/* The whole compiler as one call: source text in; a tree, IR, assembly or
 * an object file out. Used by ktapc, by ktap (which compiles in-process)
 * and by the fuzzer. */
#ifndef KTAP_COMPILE_H
#define KTAP_COMPILE_H

#include <stdint.h>
#include <stdio.h>
#include "../common/util.h"
#include "../frontend/diag.h"

typedef enum {
	EMIT_OBJ,	/* the object file, to CompileOptions.output */
	EMIT_AST,	/* the tree, to out */
	EMIT_IR,	/* the IR after optimization (or CompileOptions.after), to out */
	EMIT_ASM,	/* BPF assembly with script lines, to out */
	EMIT_NONE,	/* check only (-fsyntax-only) */
} EmitKind;

typedef struct CompileOptions {
	EmitKind emit;
	const char *output;	/* EMIT_OBJ: a path, "-" for stdout */
	Buf *image;		/* EMIT_OBJ: if set, the object's bytes go here, not to output */
	int strlen;		/* string buffer size (multiple of 8), 0: default 64 */
	int64_t table_size;	/* default table capacity, 0: default 2048 */
	uint32_t ringbuf_size;	/* 0: default 256 KiB */
	int unsafe_limits;	/* --unsafe-limits: no safe limits (docs/limits.md) */
	const char *after;	/* EMIT_IR: stop after this pass (ir_pass_known), NULL: all */
	int no_pid_filter;	/* ktap without -p: handlers need no -p check */
} CompileOptions;

/* Returns 0 on success, 1 after reporting errors to d. */
int compile_source(const Source *src, const CompileOptions *opt, Diag *d, FILE *out);

#endif

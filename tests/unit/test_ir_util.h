/* Shorthands for building IR in the unit tests. */
#ifndef TEST_IR_UTIL_H
#define TEST_IR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ir/ir.h"
#include "ir/check.h"

#define R(v) ir_r(v)
#define I(v) ir_imm(v)
#define S(v) ir_slotop(v)

static inline IrIns *op2(IrBlock *b, IrOp op, int d, IrOpnd x, IrOpnd y)
{
	IrIns *i = ir_emit(b, op);
	i->dst = d;
	i->a = x;
	i->b = y;
	return i;
}

static inline IrIns *mov(IrBlock *b, int d, IrOpnd x)
{
	return op2(b, IR_MOV, d, x, (IrOpnd){ O_NONE, 0 });
}

static inline IrIns *load(IrBlock *b, int d, IrOpnd base, int off, int size)
{
	IrIns *i = op2(b, IR_LOAD, d, base, (IrOpnd){ O_NONE, 0 });
	i->off = off;
	i->size = size;
	return i;
}

static inline IrIns *store(IrBlock *b, IrOpnd base, int off, int size, IrOpnd v)
{
	IrIns *i = op2(b, IR_STORE, -1, base, v);
	i->off = off;
	i->size = size;
	return i;
}

static inline IrIns *call(IrBlock *b, IrOp op, int d, int64_t target, int nargs, ...)
{
	IrIns *i = ir_emit(b, op);
	va_list ap;
	i->dst = d;
	i->target = target;
	i->nargs = nargs;
	va_start(ap, nargs);
	for (int k = 0; k < nargs; k++)
		i->args[k] = va_arg(ap, IrOpnd);
	va_end(ap);
	return i;
}

static inline IrIns *jmp(IrBlock *b, IrBlock *t)
{
	IrIns *i = ir_emit(b, IR_JMP);
	i->t = t;
	return i;
}

static inline IrIns *br(IrBlock *b, IrCond c, IrOpnd x, IrOpnd y, IrBlock *t, IrBlock *f)
{
	IrIns *i = op2(b, IR_BR, -1, x, y);
	i->cond = c;
	i->t = t;
	i->f = f;
	return i;
}

static inline IrIns *ret(IrBlock *b, IrOpnd x)
{
	return op2(b, IR_RET, -1, x, (IrOpnd){ O_NONE, 0 });
}

/* The printed function, to compare with a golden text; the caller frees it. */
static inline char *printed(const IrFunc *f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&s, &n);
	assert_non_null(out);
	ir_print_func(out, f);
	fclose(out);
	return s;
}

static inline void assert_printed(const IrFunc *f, const char *want)
{
	char *s = printed(f);
	if (strcmp(s, want))
		fprintf(stderr, "--- want\n%s--- got\n%s", want, s);
	assert_string_equal(s, want);
	free(s);
}

static inline void assert_valid(const IrFunc *f)
{
	char err[256];
	int r = ir_check(f, err, sizeof(err));
	if (r)
		fprintf(stderr, "ir_check: %s\n", err);
	assert_int_equal(r, 0);
}

/* Check, optimize, check again. */
static inline void optimize(IrFunc *f)
{
	assert_valid(f);
	ir_optimize(f);
	assert_valid(f);
}

#endif

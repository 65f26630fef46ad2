/* A well-formedness check of IR functions, for tests and for catching
 * lowering bugs before the backend meets them. */
#ifndef KTAP_IR_CHECK_H
#define KTAP_IR_CHECK_H

#include <stddef.h>
#include "ir.h"

/* 0 when f is well formed; else -1 with the first problem found written to
 * err (at most n bytes), naming the function, block and instruction. */
int ir_check(const IrFunc *f, char *err, size_t n);
/* The same, and every index in a target (maps, functions, CO-RE
 * relocations) refers to an entry of m: what the backend relies on. */
int ir_check_in(const IrModule *m, const IrFunc *f, char *err, size_t n);

#endif

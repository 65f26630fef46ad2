/* Lowering: from the checked, typed tree (sema's Program) to IR, plus the
 * metadata the runtime needs (formats, handlers, tables). */
#ifndef KTAP_LOWER_H
#define KTAP_LOWER_H

#include "ir.h"
#include "../frontend/sema.h"
#include "../common/ktapobj.h"

typedef struct LowerOptions {
	int strlen;		/* string buffer bytes (multiple of 8) */
	uint32_t ringbuf_size;	/* bytes, a power of two multiple of the page size */
	const char *source_name;
	int no_pid_filter;	/* no -p check in handlers: the caller knows there is no -p */
} LowerOptions;

/* Returns 0, or -1 after reporting errors to d. *mod and *meta are set
 * either way and belong to the caller (ir_module_free, ktapobj_free). */
int lower_program(Program *p, const LowerOptions *opt, Diag *d,
		  IrModule **mod, KtapMeta **meta);

#endif

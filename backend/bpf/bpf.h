/* The BPF backend: instruction selection, register allocation, stack
 * layout; and the assembly printer for ktapc -S. */
#ifndef KTAP_BPF_H
#define KTAP_BPF_H

#include <stdio.h>
#include "../obj.h"
#include "../../frontend/diag.h"

/* Compile every function of o->mod into o->progs. Reports problems the
 * backend finds (a stack frame over 512 bytes) to d at the function's line.
 * Returns 0, or -1 after reporting. */
int bpf_compile(ObjFile *o, Diag *d);

/* Print p as assembly, one instruction a line, with the script line
 * (quoted from src when given) as a comment where it changes. */
void bpf_print_prog(FILE *out, const ObjFile *o, const ObjProg *p, const Source *src);

#endif

/* The global data sections: the one table of their names and order, for
 * the IR (IrModule.data), the object writer, assembly listings and the
 * runtime (which maps them as libbpf creates them). */
#ifndef KTAP_DATASEC_H
#define KTAP_DATASEC_H

enum { DATA_BSS, DATA_DATA, DATA_RODATA, DATA_NSEC };

/* ".bss", ".data", ".rodata", by DATA_* index. */
extern const char *const data_sec_names[DATA_NSEC];

/* The DATA_* index of a section name, or -1. */
int data_sec_index(const char *name);

#endif

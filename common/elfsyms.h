/* The functions of an ELF binary or library, for uprobes: names from its
 * symbol tables and the file offsets the kernel's uprobes take. */
#ifndef KTAP_ELFSYMS_H
#define KTAP_ELFSYMS_H

#include <stdint.h>

typedef struct ElfSym {
	char *name;
	uint64_t offset;	/* in the file */
} ElfSym;

/* The defined functions of `path` (.symtab and .dynsym, sorted by name,
 * one per name). Returns their number, or -1 with *why set (a static
 * message) when the file cannot be read as ELF. */
int elfsyms_read(const char *path, ElfSym **out, const char **why);
void elfsyms_free(ElfSym *s, int n);

/* The file a library name ("libc", "libc.so.6") stands for, searched as
 * docs/probes.md says; NULL when none is found. */
char *elfsyms_library(const char *name);

#endif

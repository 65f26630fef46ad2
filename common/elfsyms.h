/* The functions of an ELF binary or library: names from its symbol tables
 * at the file offsets the kernel's uprobes take and its build-id stack
 * frames give, and its build id. */
#ifndef KTAP_ELFSYMS_H
#define KTAP_ELFSYMS_H

#include <stdint.h>

typedef struct ElfSym {
	char *name;
	uint64_t offset;	/* in the file */
	int ifunc;		/* STT_GNU_IFUNC: the resolver, run once at load */
} ElfSym;

typedef struct ElfFuncs {
	ElfSym *syms;		/* as the tables list them; a name may repeat */
	int n;
	uint8_t build_id[20];	/* the GNU build id, if any (idlen > 0) */
	size_t idlen;
} ElfFuncs;

/* Every function of `path` in an executable segment, with its build id.
 * 0, or -1 with *why set (a static message) when the file cannot be read
 * as ELF. */
int elffuncs_read(const char *path, ElfFuncs *out, const char **why);

/* The functions of `path` a uprobe may probe (no IFUNC resolvers), sorted
 * by name, one per name. Returns their number, or -1 with *why set (a static
 * message) when the file cannot be read as ELF. */
int elfsyms_read(const char *path, ElfSym **out, const char **why);
void elfsyms_free(ElfSym *s, int n);

/* The file a library name ("libc", "libc.so.6") stands for, searched as
 * docs/probes.md says; NULL when none is found. */
char *elfsyms_library(const char *name);

#endif

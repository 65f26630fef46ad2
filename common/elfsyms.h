/* The functions of an ELF binary or library: names from its symbol tables
 * at the file offsets the kernel's uprobes take and its build-id stack
 * frames give, its build id, and its USDT probes. */
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
/* qsort of ElfSym[] by file offset. */
int elfsym_by_offset(const void *a, const void *b);

/* A USDT probe: a note of `.note.stapsdt` (<sys/sdt.h>). */
typedef struct ElfSdt {
	char *provider, *name;
	char *args;		/* the argument specs: "-4@%eax 8@-16(%rbp)" */
	uint64_t offset;	/* of the probe, in the file */
	uint64_t semaphore;	/* of its semaphore (a u16) in the file; 0: none */
} ElfSdt;

/* The USDT probes of `path` in the order of its notes. Returns their
 * number, or -1 with *why set (a static message) when the file cannot be
 * read as ELF. Notes that do not parse, or point outside the file's
 * segments, are left out. */
int elfsdt_read(const char *path, ElfSdt **out, const char **why);
void elfsdt_free(ElfSdt *s, int n);

/* The file a library name ("libc", "libc.so.6") stands for, searched as
 * docs/probes.md says; NULL when none is found. */
char *elfsyms_library(const char *name);

#endif

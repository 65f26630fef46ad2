/* A compiled object in memory: what the BPF backend produces from an IrModule
 * and the ELF writer turns into a file. */
#ifndef KTAP_OBJ_H
#define KTAP_OBJ_H

#include <linux/bpf.h>
#include "../ir/ir.h"
#include "../common/ktapobj.h"
#include "../common/util.h"
#include "../frontend/diag.h"

typedef enum {
	REL_MAP,	/* ld_imm64 of map `target` (index in IrModule.maps) */
	REL_DATA,	/* ld_imm64 of data section `target` (DATA_*); imm holds the offset */
	REL_CALL,	/* call of function `target` (index in ObjFile.progs) */
	REL_FUNC,	/* ld_imm64 (BPF_PSEUDO_FUNC) of function `target`'s address */
	REL_KFUNC,	/* call of kfunc `target` (KF_* id): an extern in .ksyms */
	REL_CORE,	/* mov or ldx of CO-RE relocation `target` (IrModule.cores): in .BTF.ext */
} ObjRelocKind;

typedef struct ObjReloc {
	int insn;
	ObjRelocKind kind;
	int target;
} ObjReloc;

typedef struct ObjLine {
	int insn, line, col;
} ObjLine;

/* One compiled IrFunc, in the same order as IrModule.funcs. */
typedef struct ObjProg {
	const IrFunc *func;	/* name, section, ctx, nparams */
	struct bpf_insn *insns;
	int ninsns;
	ObjReloc *relocs;
	int nrelocs;
	ObjLine *lines;		/* ascending insn; one entry where the script line changes */
	int nlines;
	int stack_size;		/* bytes below r10 the function uses */
} ObjProg;

typedef struct ObjFile {
	const IrModule *mod;	/* maps, data sections, layouts */
	ObjProg *progs;		/* one per mod->funcs[i] */
	int nprogs;
	KtapMeta *meta;		/* .ktap* contents except ufuncs, which the writer
				   fills from the user-context progs */
	const char *source_name;
	const char *source_text;	/* for line info: BTF keeps each line's text */
} ObjFile;

void obj_free_progs(ObjFile *o);

/* The ELF object's bytes, into img (an empty Buf). Returns 0, or -1 after
 * reporting to d. */
int obj_elf_image(const ObjFile *o, Diag *d, Buf *img);

/* The ELF object, written to path ("-": standard output) the safe way of
 * common/outfile.h. Returns 0, or -1 after reporting to d. */
int obj_write_elf(const ObjFile *o, const char *path, Diag *d);

#endif

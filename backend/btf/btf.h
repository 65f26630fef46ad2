/* BTF: a small encoder for types and strings, and the BTF ktap puts in its
 * objects (maps in .maps, global data, functions, line info). The layout of
 * the bytes is the kernel's (Documentation/bpf/btf.rst); all little-endian. */
#ifndef KTAP_BTF_H
#define KTAP_BTF_H

#include <stdint.h>
#include "../obj.h"
#include "../../common/uhelpers.h"
#include "../../common/util.h"

/* The encoder. Type ids start at 1 (0 is void). Members, params and
 * section entries must follow the type they belong to at once. */
typedef struct Btf {
	Buf types, strs;
	uint32_t ntypes;
	size_t last;		/* offset in types of the last type's header */
	uint32_t *hash;		/* open addressing: string offset + 1, or 0 */
	uint32_t hcap, hcount;
} Btf;

void btf_init(Btf *b);
void btf_free(Btf *b);
uint32_t btf_str(Btf *b, const char *s);	/* deduplicated; "" is 0 */

/* BTF_INT_SIGNED, BTF_INT_CHAR or BTF_INT_BOOL in enc, or 0 */
uint32_t btf_add_int(Btf *b, const char *name, uint32_t size, uint32_t enc);
uint32_t btf_add_ptr(Btf *b, uint32_t type);
uint32_t btf_add_typedef(Btf *b, const char *name, uint32_t type);
uint32_t btf_add_array(Btf *b, uint32_t elem, uint32_t index, uint32_t nelems);
uint32_t btf_add_struct(Btf *b, const char *name, uint32_t size);
/* kind BTF_KIND_STRUCT or _UNION; with kflag, members' bitoff hold
 * bitfield sizes in their top 8 bits */
uint32_t btf_add_composite(Btf *b, const char *name, int kind, int kflag, uint32_t size);
void btf_add_member(Btf *b, const char *name, uint32_t type, uint32_t bitoff);
uint32_t btf_add_enum(Btf *b, const char *name, uint32_t size, int is_signed);
void btf_add_enumval(Btf *b, const char *name, int32_t val);
uint32_t btf_add_proto(Btf *b, uint32_t ret);
void btf_add_param(Btf *b, const char *name, uint32_t type);
uint32_t btf_add_func(Btf *b, const char *name, uint32_t proto, uint32_t linkage);
uint32_t btf_add_var(Btf *b, const char *name, uint32_t type, uint32_t linkage);
uint32_t btf_add_datasec(Btf *b, const char *name, uint32_t size);
void btf_add_secinfo(Btf *b, uint32_t var, uint32_t off, uint32_t size);

/* The whole .BTF section: header, types, strings. */
void btf_emit(const Btf *b, Buf *out);

/* Where the ELF writer puts the code and the maps; the BTF describes the
 * same places. Kernel functions are grouped by section name (".text" holds
 * the subprograms), in order of first appearance; user functions have none. */
typedef struct ObjSec {
	const char *name;
	int *progs;		/* indexes in ObjFile.progs, in placement order */
	int nprogs;
	int ninsns;
} ObjSec;

typedef struct ObjPlace {
	ObjSec *secs;
	int nsecs;
	int *sec;		/* per prog: its ObjSec, or -1 for user context */
	int *off;		/* per prog: first instruction in its section */
	uint32_t *map_off;	/* per map: offset of its definition in .maps */
	uint32_t maps_size;
	int nkfuncs;		/* the kfuncs the code calls (KF_* ids), ascending */
	int kfuncs[KF_END_ - KF_BASE];
} ObjPlace;


void obj_place(const ObjFile *o, ObjPlace *pl);
void obj_place_free(ObjPlace *pl);
/* Fill m->ufuncs from o's user-context functions (the ELF writer's other
 * half: those go to .ktap* sections, relocated by name). Returns 0, or -1
 * after reporting to d. */
int obj_user_funcs(const ObjFile *o, KtapMeta *m, Diag *d);
/* Bytes of a map's definition in .maps. */
uint32_t btf_map_def_size(const IrMap *m);

/* Build .BTF and .BTF.ext for o. */
void btf_encode_obj(const ObjFile *o, const ObjPlace *pl, Buf *btf, Buf *ext);

/* .BTF.ext: func_info (funcs[i]: the FUNC of prog i) and line_info of
 * every kernel section; adds the file name and line texts to b's strings. */
void btf_encode_ext(Btf *b, const ObjFile *o, const ObjPlace *pl, const uint32_t *funcs, Buf *ext);

/* The CO-RE relocations of o (IrModule.cores, placed by REL_CORE): copies
 * of the kernel types they name into b, holding only the members used, and
 * the core_relo part of .BTF.ext into out (empty if there are none). */
void btf_encode_core(Btf *b, const ObjFile *o, const ObjPlace *pl, Buf *out);

/* The line info records of prog p: ascending, starting at its first
 * instruction, never on the second half of a ld_imm64 (the verifier's
 * rules). Returns the count; *out is freed by the caller. */
int btf_prog_lines(const ObjProg *p, ObjLine **out);

#endif

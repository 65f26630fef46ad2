/* Kernel and user C types from BTF (docs/language.md §13): the BTF source, C
 * declarators as ffi.cast spells them, and field lookup. The types
 * themselves stay in libbpf's `struct btf`; ids are that BTF's ids. */
#ifndef KTAP_CTYPES_H
#define KTAP_CTYPES_H

#include <stdint.h>
#include <stddef.h>

struct btf;

/* The kernel's BTF: $KTAP_BTF (a raw BTF file or an ELF file with .BTF)
 * if set, else the running kernel's. Loaded once per process. NULL if
 * there is none; *why then says why in one sentence. */
struct btf *ctypes_btf(const char **why);

/* Parse a declarator ("const struct __kernel_timespec __user *", "u32 *")
 * to the id of the type pointed to. Returns 0, or -1 with a message in err. */
int ctype_parse(const struct btf *btf, const char *decl, uint32_t *pointee, int *user,
		char *err, size_t errlen);

/* The type under typedefs and const/volatile/restrict. */
uint32_t ctype_skip(const struct btf *btf, uint32_t id);
/* "struct sock", "u32": the type as C spells it, into buf. */
const char *ctype_name(const struct btf *btf, uint32_t id, char *buf, size_t len);

/* A member found by name, through anonymous structs and unions: the member
 * index at each level, from the outer struct in. */
enum { CT_MAXDEPTH = 8 };
typedef struct CMember {
	int idx[CT_MAXDEPTH];
	int n;
	uint32_t type;		/* the member's type (not skipped) */
	uint32_t bit_off;	/* from the start of the outer struct */
	uint32_t bit_size;	/* a bitfield's width, else 0 */
} CMember;

/* Find `name` in struct/union sid. Returns 0, or -1 with the nearest
 * member name in *near (NULL if none is close). */
int ctype_member(const struct btf *btf, uint32_t sid, const char *name, CMember *m,
		 const char **near);

/* A typed read that sema resolved (§13), hung on its N_FIELD or N_INDEX:
 * base (a pointer-valued expression) plus steps; each step adds either a
 * member's offset, carried by a CO-RE relocation against a named struct or
 * union, or index * stride. The result is then read (INT, STR, PTR) or is
 * just the address (ADDR: an embedded struct or array not yet followed). */
typedef enum { CA_INT, CA_STR, CA_PTR, CA_ADDR } CAKind;
enum { CA_MAXSTEPS = 8 };
struct Node;
typedef struct CStep {
	uint32_t root;		/* a member step: the struct or union the path starts at */
	CMember m;		/* its member path (kernel BTF member indexes) */
	struct Node *index;	/* an index step (root 0): index * stride */
	uint32_t stride;
} CStep;

typedef struct CAccess {
	struct Node *base;
	int user;		/* bpf_probe_read_user, not _kernel */
	CStep steps[CA_MAXSTEPS];
	int nsteps;
	CAKind kind;
	int size, is_signed;	/* CA_INT: bytes, sign; CA_STR: the array's length */
	int bitfield;		/* CA_INT: a bitfield member, read with relocated shifts */
} CAccess;
#endif

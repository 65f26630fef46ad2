/* The user-context interpreter's state, shared by the interpreter
 * (interp*.c), the helpers (helpers*.c) and the formatter (format.c,
 * ksyms.c). Internal to the runtime: the other parts see only rt.h. */
#ifndef KTAP_INTERP_H
#define KTAP_INTERP_H

#include <linux/bpf.h>
#include "rt.h"

struct Format;

#ifndef BPF_MEMSX	/* sign-extending loads: newer than some kernel headers */
#define BPF_MEMSX 0x80
#endif

/* A KtapUFunc ready to run: a copy of its code with every relocation
 * applied (ld_imm64 holds the host address, a call's imm the callee). */
typedef struct UFunc {
	const KtapUFunc *src;
	struct bpf_insn *code;
	uint32_t ninsns;
	uint32_t stack;		/* frame bytes, a multiple of 8, at least 512 */
} UFunc;

/* Memory handed out by helpers (value copies, snapshots): valid until the
 * top-level call returns, since compiled code may hold several at once. */
typedef struct Chunk {
	struct Chunk *next;
	size_t size, used;
	uint8_t *data;
} Chunk;

/* A snapshot of a map's keys, and of their values when sorted. */
typedef struct Snap {
	uint8_t *keys, *vals;
	uint32_t key_size, val_size;
	size_t n;
} Snap;

typedef struct Iter {
	Snap s;
	size_t next;
} Iter;

typedef struct Ksym {
	uint64_t addr;
	char *name;
} Ksym;

typedef struct Interp {
	UFunc *funcs;
	int nfuncs;
	uint8_t *stack;		/* all frames; the innermost is lowest */
	size_t stack_size;
	uint8_t *sp;		/* the bottom of the innermost live frame */
	Chunk *arena;
	size_t arena_total;
	Iter *iters;
	int niters;

	/* where the code is, for messages */
	const UFunc *fn;
	uint32_t pc;
	int broken;		/* rt_interp_init failed: nothing runs */
	int running;		/* inside rt_call */
	int failed;		/* a run-time error was reported: unwind */
	int exit_pending;	/* exit() was called: end the run after the handler */

	struct Format *fmts;	/* per format of the object, parsed on first use */
	uint8_t *fmt_parsed;	/* 0 not yet, 1 parsed, 2 bad */
	uint32_t nfmts;
	Ksym *ksyms;		/* /proc/kallsyms by address, loaded on first %p */
	size_t nksyms;
	int ksyms_loaded;
} Interp;

#define ARENA_MAX ((size_t)256 << 20)	/* value copies per top-level call */
#define RT_STACK_BYTES ((size_t)8 << 20)	/* all frames of one top-level call */

/* interp.c: verify the object's user code against the loaded maps and data
 * and make it ready to run (rt_interp_init reports what this returns).
 * Returns 0, or -1 with *err saying what is wrong with the object. */
int rt_interp_prepare(Rt *rt, const char **err);

/* interp_check.c: the verifier, run once before any user code runs: every
 * instruction, relocation, entry point and table drop counter of the
 * object. 0, or -1 with *err (a static message). */
int rt_verify(Rt *rt, const char **err);
int rt_find_ufunc(const KtapMeta *m, const char *name);	/* index, or -1 */

/* interp.c: report a run-time error at the current script line (if code
 * is running), set rt->error and make the running code stop. */
void rt_error(Rt *rt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* interp_exec.c: run function fi to its exit; *r0 its result. Returns -1
 * after a run-time error, 1 when rt->stop interrupted it. */
int rt_exec(Rt *rt, int fi, uint64_t *r0);

/* interp_mem.c: n bytes at a script address, inside memory the interpreter
 * knows (a live frame, a data map, a helper's buffer); NULL after an error. */
uint8_t *rt_mem(Rt *rt, uint64_t addr, uint64_t n, int write);
/* addr if memory the interpreter knows, with the bytes from it to the end
 * of its region; NULL (no error) if not. */
uint8_t *rt_mem_avail(Rt *rt, uint64_t addr, size_t *avail);
/* A NUL-terminated string at addr, its NUL inside its region; *len its length. */
const char *rt_mem_str(Rt *rt, uint64_t addr, size_t *len);
void *rt_scratch(Rt *rt, size_t n);	/* zeroed; NULL after an error */
void rt_scratch_reset(Interp *I);
RtMap *rt_map_arg(Rt *rt, uint64_t p);	/* a map "pointer" from code, or NULL after an error */

/* helpers_map.c: the table helpers; returns 1 for an id that is not one */
int rt_map_helper(Rt *rt, int id, const uint64_t a[5], uint64_t *ret);
/* helpers.c: rt_helper implements helper id */
int rt_helper_known(int id);
int rt_map_read(Rt *rt, RtMap *m, const void *key, void *val);	/* 0, or -errno */
int rt_snap(Rt *rt, RtMap *m, int sorted, int64_t limit, Snap *s);
void rt_snap_free(Snap *s);
void rt_iters_free(Interp *I);
int rt_map_clear(Rt *rt, RtMap *m);
int rt_snprintf(Rt *rt, char *dst, uint32_t size, const char *fmt, const uint64_t *data, uint32_t n);

/* format.c: a value as print shows it; one printf conversion (flags are
 * FMT_* of common/format.h; s is the text of s and p); an address as
 * sym+0xoff. */
void rt_print_value(Rt *rt, FILE *out, const KtapArg *a, const uint8_t *base);
/* A V_SYSCALL, V_ERRNO or V_TIME (by fmt) value as text: a name, or buf
 * filled (names.c). */
const char *rt_text(KtapVKind kind, const char *fmt, int64_t v, char *buf, size_t size);
const char *rt_table_name(const RtMap *m);	/* hist.c: the script's name for it */
int64_t rt_num_at(const KtapArg *a, const uint8_t *base);	/* a number's bytes, at most 8 */
/* Whether a's bytes (a maybe-nil one's presence word too) are inside size bytes. */
int rt_arg_fits(const KtapArg *a, uint32_t size);
void rt_conv(FILE *out, int flags, int width, int prec, char conv, uint64_t v, const char *s);
void rt_ptr_text(Rt *rt, uint64_t addr, char *buf, size_t size);
void rt_format_free(Interp *I);

/* bytes.c: a V_ADDR as text ("?" when it is not one); a V_ARRAY's shape
 * (0 when its format makes no sense or it does not fit its slot), its
 * element i, and the array as print shows it. */
const char *rt_addr_text(const KtapArg *a, const uint8_t *base, char *buf, size_t size);
int rt_array_shape(const KtapArg *a, int *is_signed, int *elem, int *count);
int64_t rt_array_elem(const KtapArg *a, const uint8_t *base, int i, int elem, int is_signed);
void rt_print_array(FILE *out, const KtapArg *a, const uint8_t *base);

/* ksyms.c: the kernel symbol at or before addr (NULL if none) */
const char *rt_ksym(Rt *rt, uint64_t addr, uint64_t *off);
void rt_ksyms_free(Interp *I);

#endif

/* What ktap keeps in its own `.ktap*` sections of the object file: the
 * contract between the compiler (which fills a KtapMeta), the ELF writer
 * (which serializes it) and the runtime (which parses it back). The byte
 * layout is in docs/object-format.md. Nothing here depends on the frontend. */
#ifndef KTAP_KTAPOBJ_H
#define KTAP_KTAPOBJ_H

#include <stdint.h>
#include <stddef.h>

#define KTAP_OBJ_VERSION 5	/* 2: H_RAW_TRACEPOINT, V_ARGSTR, H_RAW_EVENT;
				   3: BSS_STACK_LOST, H_UPROBE ... H_KRETPROBE_MULTI,
				   V_SYSCALL, V_ERRNO, V_TIME and KtapArg.fmt;
				   4: V_ADDR, V_ARRAY (its shape in fmt);
				   5: RODATA_PID_FILTER (was a .bss word) */

/* The first words of .bss are the runtime's, at fixed offsets. */
enum {
	BSS_RB_DROPS = 0,	/* u64: output records lost to a full ring buffer */
	BSS_WALL_OFFSET = 8,	/* s64: realtime - monotonic, set by the runtime */
	BSS_NUM_CPUS = 16,	/* u64: set by the runtime */
	BSS_EXIT = 24,		/* u64: the run ended (exit(), or the runtime): handlers return */
	BSS_LOOP_CAPS = 32,	/* u64: kernel loops stopped by the iteration cap */
	BSS_STACK_LOST = 40,	/* u64: stack()/ustack() the kernel could not record */
	BSS_RESERVED = 48	/* script globals and table drop counters follow */
};

/* The first word of .rodata is the runtime's: the -p process (0 for all),
 * written into the object before it is loaded. Read-only and frozen, it is
 * a constant to the verifier, which drops the filter's code when it is 0. */
enum { RODATA_PID_FILTER = 0 };

/* A stack value (u64), made by the kernel, read by the runtime: the id in
 * the map ktap_kstackDEPTH or ktap_ustackDEPTH (an errno, negative, when the
 * kernel failed), the depth, and for user stacks the process whose mappings
 * resolve its addresses. Kernel stacks carry no pid, so that one kernel
 * stack is one table key whichever process ran it. */
#define KTAP_STACK_ID(v)	((int32_t)(uint32_t)(v))
#define KTAP_STACK_DEPTH(v)	((int)((v) >> 32 & 0xff))
#define KTAP_STACK_USER(v)	((int)((v) >> 40 & 1))
#define KTAP_STACK_PID(v)	((int)((v) >> 41))
enum { KTAP_STACK_MAX_DEPTH = 127, KTAP_STACK_DEFAULT_DEPTH = 127 };

/* A kernel record with this id asks the runtime to end the run. */
#define KTAP_REC_EXIT 0xffffffffu

/* The kind of a value, for printing it. V_ARGSTR: the event's raw record
 * (its first `size` bytes at most), printed as argstr (formats only).
 * V_AGG: a table's value is an aggregation's (common/agg.h; tables only):
 * off 0, size 8 is its count. */
/* V_SYSCALL, V_ERRNO, V_TIME: a number printed as a syscall's name, an
 * errno's name, or (nanoseconds since the epoch) a local time by fmt.
 * V_ADDR: an address (ntop), {u64 family (AF_INET or AF_INET6); u8
 * addr[16]}, printed as inet_ntop does. V_ARRAY: integers, fmt giving
 * their shape by KTAP_ARRAY_SHAPE ("u1x4": four unsigned bytes), printed
 * [1,2,3]. Both are zero-padded to the size of the slot. */
typedef enum { V_NUM, V_STR, V_BOOL, V_STACK, V_NIL, V_ARGSTR, V_AGG, V_SYSCALL, V_ERRNO,
	       V_TIME, V_ADDR, V_ARRAY } KtapVKind;
#define KTAP_ARRAY_SHAPE "%c%dx%d"	/* u or s, bytes of an element, elements */
enum { KTAP_ADDR_SIZE = 24 };
/* Values in one print or printf record (the format's argument array), and
 * in one '..' chain (bpf_snprintf takes 12). */
enum { KTAP_PRINT_MAX = 16, KTAP_CONCAT_MAX = 12 };
/* Or-ed into a format argument's kind: a variable that may be nil. An
 * 8-byte presence word follows its value (at off + size); 0 prints nil. */
enum { V_MAYBE_NIL = 0x100 };

typedef struct KtapArg {
	KtapVKind kind;
	uint32_t off, size;	/* within the record payload */
	char *fmt;		/* V_TIME: its strftime format; else NULL */
} KtapArg;

/* An output format. Kernel records are {u32 format id; u32 pad; payload},
 * user-context print calls pass a pointer to the same payload. */
typedef enum { FMT_PRINT, FMT_PRINTF } KtapFmtKind;

typedef struct KtapFormat {
	KtapFmtKind kind;
	char *fmt;		/* FMT_PRINTF: the format string; FMT_PRINT: NULL */
	uint32_t nargs;
	KtapArg *args;
	uint32_t size;		/* payload bytes */
	uint32_t line;
} KtapFormat;

/* Something the runtime attaches or runs. */
typedef enum {
	H_TRACEPOINT, H_PROFILE, H_TICK, H_END, H_RAW_TRACEPOINT, H_RAW_EVENT,
	H_UPROBE, H_URETPROBE, H_KPROBE, H_KRETPROBE, H_KPROBE_MULTI, H_KRETPROBE_MULTI,
} KtapHandlerKind;

typedef struct KtapHandler {
	KtapHandlerKind kind;
	uint32_t group;		/* the statement that registers it: KH_ATTACH(group)
				   attaches every handler of the group */
	char *prog;		/* H_TRACEPOINT, H_PROFILE, H_RAW_*: the program's symbol
				   name; H_TICK, H_END: the user function's name */
	char *target;		/* H_TRACEPOINT, H_RAW_EVENT: "system:event";
				   H_RAW_TRACEPOINT: "sys_enter" (tp_btf);
				   H_UPROBE, H_URETPROBE: the binary's path;
				   H_KPROBE...: the kernel symbol or glob */
	uint64_t interval_ns;	/* H_PROFILE, H_TICK; H_RAW_EVENT: its link's BPF
				   cookie (one program, attached once per event);
				   H_UPROBE, H_URETPROBE: the file offset */
	uint32_t line;
	uint32_t ref_ctr;	/* H_UPROBE: the file offset of a USDT semaphore the
				   kernel counts attached probes in; 0: none */
} KtapHandler;

/* A table, for printing its keys and values and naming it in warnings. */
typedef struct KtapTable {
	char *map;		/* the map's name in .maps */
	char *name;		/* the script's name for it */
	uint32_t line;
	uint32_t nkeys;
	KtapArg keys[8];	/* the key: one or several (tuple) at offsets */
	KtapArg value;
	uint32_t drops_off;	/* offset in .bss of its u64 dropped-updates counter */
} KtapTable;

/* User-context code: BPF instructions run by the runtime's interpreter. */
typedef enum { UREL_MAP, UREL_DATA, UREL_CALL } KtapURelKind;

typedef struct KtapURel {
	uint32_t insn;		/* index in the function's instructions */
	KtapURelKind kind;
	char *target;		/* UREL_MAP: map name; UREL_CALL: function name;
				   UREL_DATA: ".bss", ".data" or ".rodata" (imm holds the offset) */
} KtapURel;

typedef struct KtapULine {
	uint32_t insn, line, col;
} KtapULine;

typedef struct KtapUFunc {
	char *name;
	uint32_t nparams;
	uint32_t stack_size;
	uint64_t *insns;	/* struct bpf_insn, 8 bytes each */
	uint32_t ninsns;
	KtapURel *relocs;
	uint32_t nrelocs;
	KtapULine *lines;
	uint32_t nlines;
} KtapUFunc;

typedef struct KtapMeta {
	char *source_name;	/* the script file, for run-time messages */
	uint32_t strlen;
	char *main_func;	/* the user function that is the main chunk */
	KtapFormat *formats;
	uint32_t nformats;
	KtapHandler *handlers;
	uint32_t nhandlers;
	KtapTable *tables;
	uint32_t ntables;
	KtapUFunc *ufuncs;
	uint32_t nufuncs;
} KtapMeta;

/* One section's name and bytes. */
typedef struct KtapSection {
	const char *name;
	uint8_t *data;
	size_t size;
} KtapSection;

/* Serialize m into its sections (*out, *n; the caller frees each data and the array). */
void ktapobj_write(const KtapMeta *m, KtapSection **out, int *n);
/* Parse the sections back. Returns 0, or -1 with *err set (a static message)
 * when a section is missing, truncated or of another version. */
int ktapobj_read(KtapMeta *m, const KtapSection *secs, int n, const char **err);
void ktapobj_free(KtapMeta *m);

#endif

/* Helpers that user-context code calls: the contract between the compiler
 * and the runtime's interpreter. User-context code also calls these kernel
 * helpers, which the interpreter implements in user space with the same
 * meaning: map_lookup_elem (returns a pointer to a copy of the value),
 * map_update_elem, map_delete_elem, ktime_get_ns, snprintf (used for `..`),
 * probe_read_kernel(_str)/probe_read_user(_str) (plain copies). */
#ifndef KTAP_UHELPERS_H
#define KTAP_UHELPERS_H

#include <stdint.h>

#define KH_BASE 1000

#define KTAP_UHELPERS(X) \
	X(PRINTF,      "(fmt id, payload *): print with a format of .ktap.formats") \
	X(ATTACH,      "(group): attach every handler registered by that statement") \
	X(EXIT,        "(): end the run after the current handler") \
	X(MAP_CLEAR,   "(map): delete every entry") \
	X(MAP_LEN,     "(map) -> entries") \
	X(ITER_OPEN,   "(map, n, sorted) -> iterator over a snapshot of at most n keys " \
	               "(n < 0: all), largest value first when sorted; freed when the handler returns") \
	X(ITER_NEXT,   "(iterator, key *) -> 0 with the next key copied out, or -1 at the end") \
	X(PRINT_HIST,  "(map, n): print the table as a histogram, n rows at most; an " \
	               "aggregation as a log2 histogram per key") \
	X(PRINT_LHIST, "(map, min, max, step): an aggregation as a linear histogram per key") \
	X(PRINT_STATS, "(map): an aggregation's count, average, total, min, max per key") \
	X(WALLTIME_NS, "() -> nanoseconds since the epoch") \
	X(NUM_CPUS,    "() -> CPUs online") \
	X(ARCH,        "(dst *, size): the machine name as a string") \
	X(KERNEL_V,    "(dst *, size): the kernel release as a string") \
	X(TEXT,        "(dst *, size, kind, value, fmt *): a value of kind V_SYSCALL, V_ERRNO " \
	               "or V_TIME (formatted by the string fmt) as text") \
	X(ERROR,       "(fmt id, payload *): a run-time error: print, end the run")

enum {
#define X(name, doc) KH_##name,
	KH_FIRST_ = KH_BASE - 1,
	KTAP_UHELPERS(X)
#undef X
	KH_END_
};

/* Kernel functions (kfuncs) kernel code calls: ids from KF_BASE, each
 * with its C name and its prototype for the object's BTF, in letters:
 * the return type, then the parameters': v void, i int, I int *, n struct
 * bpf_iter_num * (an 8-byte iterator on the stack). libbpf resolves them
 * against the kernel's BTF at load time. */
#define KF_BASE 2000

#define KTAP_KFUNCS(X) \
	X(ITER_NUM_NEW,     "bpf_iter_num_new",     "inii") \
	X(ITER_NUM_NEXT,    "bpf_iter_num_next",    "In") \
	X(ITER_NUM_DESTROY, "bpf_iter_num_destroy", "vn")

enum {
#define X(name, cname, proto) KF_##name,
	KF_FIRST_ = KF_BASE - 1,
	KTAP_KFUNCS(X)
#undef X
	KF_END_
};

/* Its prototype letters when id is a kfunc's, else NULL. */
const char *kfunc_proto(int64_t id);

/* The name of helper id, for listings: a kernel helper's without its
 * "bpf_" ("map_lookup_elem"), a user one's in lower case ("printf"), a kfunc's as
 * in C ("bpf_iter_num_new"); NULL
 * when no helper has that id. The one test of a valid helper id. */
const char *helper_name(int64_t id);

#endif

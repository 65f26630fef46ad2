/* Helpers that user-context code calls: the contract between the compiler
 * and the runtime's interpreter. User-context code may also call the kernel
 * helpers below 1000 that make sense in user space (map lookup, update and
 * delete, ktime_get_ns); the interpreter implements them on the same maps. */
#ifndef KTAP_UHELPERS_H
#define KTAP_UHELPERS_H

#define KH_BASE 1000

#define KTAP_UHELPERS(X) \
	X(PRINTF,      "(fmt id, payload *): print with a format of .ktap.formats") \
	X(ATTACH,      "(group): attach every handler registered by that statement") \
	X(EXIT,        "(): end the run after the current handler") \
	X(MAP_CLEAR,   "(map): delete every entry") \
	X(MAP_LEN,     "(map) -> entries") \
	X(MAP_NEXT,    "(map, key * or 0, next key *) -> 0, or -1 after the last") \
	X(SORT_OPEN,   "(map, n) -> iterator over at most n keys, largest value first") \
	X(SORT_NEXT,   "(iterator, key *) -> 0, or -1 at the end (which frees it)") \
	X(PRINT_HIST,  "(map, n): print the table as a histogram, n rows at most") \
	X(WALLTIME_NS, "() -> nanoseconds since the epoch") \
	X(NUM_CPUS,    "() -> CPUs online") \
	X(ARCH,        "(dst *, size): the machine name as a string") \
	X(KERNEL_V,    "(dst *, size): the kernel release as a string") \
	X(STRCAT,      "(dst *, a *, b *, size): dst = a .. b, truncated to size") \
	X(STRCMP,      "(a *, b *, size) -> <0, 0, >0") \
	X(STRLEN,      "(a *, size) -> length") \
	X(NUMSTR,      "(dst *, n, size): n as decimal text") \
	X(ERROR,       "(fmt id, payload *): a run-time error: print, end the run")

enum {
#define X(name, doc) KH_##name,
	KH_FIRST_ = KH_BASE - 1,
	KTAP_UHELPERS(X)
#undef X
	KH_END_
};

/* The helper's name for assembly listings ("printf"), or NULL. */
const char *uhelper_name(int id);

#endif

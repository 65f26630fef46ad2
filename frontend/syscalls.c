/* Syscall numbers by tracepoint name, for dispatching on raw_syscalls.
 *
 * The syscall tracepoints do not carry their number in tracefs, and a
 * kernel built without the syscall table readable (x86 calls through a
 * switch since 6.9) does not tell it either. But the numbers are the ABI:
 * fixed forever per architecture. So the build turns the kernel headers'
 * asm/unistd_64.h into syscall_nrs.h, and the numbers added after the
 * headers this machine has are listed here (checked against ftrace on
 * Linux 6.18: a syscall called with its own number as first argument shows
 * under its name). An object file is thus portable to any x86_64 kernel. */
#include <string.h>
#include "syscalls.h"

static const struct {
	const char *name;
	int nr;
} nrs[] = {
#if defined(__x86_64__)
#define SYSCALL(name, nr) { #name, nr },
#include "syscall_nrs.h"
#undef SYSCALL
#endif
}, later[] = {
#if defined(__x86_64__)
	/* Tracepoints named after the kernel function, not the syscall. */
	{ "newstat", 4 }, { "newfstat", 5 }, { "newlstat", 6 }, { "sendfile64", 40 },
	{ "newuname", 63 }, { "umount", 166 },
	/* Newer than the headers (Linux 6.5 to 6.17). uretprobe and uprobe
	 * are called by the uprobe trampolines (a uretprobe makes one). */
	{ "uretprobe", 335 }, { "uprobe", 336 }, { "cachestat", 451 }, { "fchmodat2", 452 }, { "map_shadow_stack", 453 },
	{ "futex_wake", 454 }, { "futex_wait", 455 }, { "futex_requeue", 456 },
	{ "statmount", 457 }, { "listmount", 458 }, { "lsm_get_self_attr", 459 },
	{ "lsm_set_self_attr", 460 }, { "lsm_list_modules", 461 }, { "mseal", 462 },
	{ "setxattrat", 463 }, { "getxattrat", 464 }, { "listxattrat", 465 },
	{ "removexattrat", 466 }, { "open_tree_attr", 467 }, { "file_getattr", 468 },
	{ "file_setattr", 469 },
#endif
};

int syscall_nr(const char *name)
{
	for (size_t i = 0; i < sizeof nrs / sizeof *nrs; i++)
		if (!strcmp(nrs[i].name, name))
			return nrs[i].nr;
	for (size_t i = 0; i < sizeof later / sizeof *later; i++)
		if (!strcmp(later[i].name, name))
			return later[i].nr;
	return -1;
}

/* The headers' names first: the later table also holds tracepoint names
 * ("newstat") for numbers the headers name ("stat"). */
const char *syscall_name(int nr)
{
	for (size_t i = 0; i < sizeof nrs / sizeof *nrs; i++)
		if (nrs[i].nr == nr)
			return nrs[i].name;
	for (size_t i = 0; i < sizeof later / sizeof *later; i++)
		if (later[i].nr == nr)
			return later[i].name;
	return NULL;
}

/* Syscall numbers of the machine's native ABI, by tracepoint name. */
#ifndef KTAP_SYSCALLS_H
#define KTAP_SYSCALLS_H

/* The number of the syscall whose tracepoints are sys_enter_NAME and
 * sys_exit_NAME, or -1 when it is not known (or the machine is not x86_64:
 * only its numbers are here). */
int syscall_nr(const char *name);
/* The syscall number nr's name ("openat"), or NULL. */
const char *syscall_name(int nr);

#endif

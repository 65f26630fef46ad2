/* The built-ins' documentation (see builtin_docs.h): what hover shows. The
 * sentences follow docs/language.md; keep them short, an editor shows them
 * in a small window. */
#include <string.h>
#include "builtin_docs.h"

#define FN(name, sig, doc) { name, sig, doc, 0 }
#define VAR(name, doc) { name, name, doc, 1 }
static const BuiltinDoc docs[] = {
	FN("print", "print(v, ...)", "Prints the values separated by a TAB, then a newline."),
	FN("printf", "printf(fmt, ...)", "Prints the values formatted by fmt (%d %i %u %x %X %o %c %s %p %%); the format must match its arguments."),
	FN("print_hist", "print_hist(t [, n])", "Prints the table as a sorted histogram (an aggregation: log2 buckets); n rows at most (default 20)."),
	FN("print_lhist", "print_lhist(t, min, max, step)", "Prints an aggregation as histograms with linear buckets."),
	FN("print_stats", "print_stats(t)", "Prints one line per key of an aggregation: count, average, total, min, max."),
	FN("count", "count(t[k])", "The number of values recorded in an aggregation's key."),
	FN("sum", "sum(t[k])", "The total of the values recorded in an aggregation's key."),
	FN("avg", "avg(t[k])", "The integer average of the values recorded in an aggregation's key."),
	FN("min", "min(t[k])", "The smallest value recorded in an aggregation's key."),
	FN("max", "max(t[k])", "The largest value recorded in an aggregation's key."),
	FN("pairs", "pairs(t)", "Iterates over the table's keys and values: for (k, v in pairs(t))."),
	FN("sort_pairs", "sort_pairs(t [, n])", "Iterates over the table sorted by value (an aggregation: by count), n entries at most."),
	FN("len", "len(x)", "The number of entries of a table, or the length of a string."),
	FN("delete", "delete(t)", "Clears the table."),
	FN("stack", "stack([depth [, skip]])", "The current kernel stack."),
	FN("ustack", "ustack([depth [, skip]])", "The current user stack."),
	FN("kernel_string", "kernel_string(p)", "Reads a NUL-terminated string from kernel memory at p."),
	FN("user_string", "user_string(p)", "Reads a NUL-terminated string from user memory at p."),
	FN("stringof", "stringof(v)", "The value as a string (argstr, a typed char array)."),
	FN("ipof", "ipof(n)", "Marks a number as a kernel address: it prints as a symbol."),
	FN("ntohs", "ntohs(x)", "A 16-bit number from network to host byte order."),
	FN("ntohl", "ntohl(x)", "A 32-bit number from network to host byte order."),
	FN("ntop", "ntop(x)", "An IPv4 (number or 4-byte field) or IPv6 (16-byte field) address as text."),
	FN("gettimeofday_ns", "gettimeofday_ns()", "The wall-clock time in nanoseconds."),
	FN("gettimeofday_us", "gettimeofday_us()", "The wall-clock time in microseconds."),
	FN("gettimeofday_ms", "gettimeofday_ms()", "The wall-clock time in milliseconds."),
	FN("gettimeofday_s", "gettimeofday_s()", "The wall-clock time in seconds."),
	FN("time", "time([fmt])", "The local wall-clock time formatted by strftime (default \"%H:%M:%S\")."),
	FN("strftime", "strftime(fmt, ns)", "Formats a gettimeofday_ns() value as strftime does."),
	FN("syscall_name", "syscall_name(n)", "The name of system call number n (\"openat\")."),
	FN("errno_name", "errno_name(n)", "The name of errno value n (\"ENOENT\")."),
	FN("num_cpus", "num_cpus()", "The number of CPUs."),
	FN("arch", "arch()", "The machine's architecture (\"x86_64\")."),
	FN("kernel_v", "kernel_v()", "The running kernel's release."),
	FN("exit", "exit()", "Ends the run; trace_end runs next."),
	FN("print_trace_clock", "print_trace_clock()", "Prints the trace clock in use."),
	FN("in_interrupt", "in_interrupt()", "Non-zero when the probe runs in interrupt context."),
	FN("table.new", "table.new([narr [, nrec]])", "A new table with room for so many entries."),
	FN("ffi.cast", "ffi.cast(type, p)", "A typed pointer: p read as the C type named by the string."),
	FN("kdebug.tracepoint", "kdebug.tracepoint(spec, function)", "Runs the function on every hit of the events (trace spec { })."),
	FN("kdebug.kprobe", "kdebug.kprobe(symbol, function)", "Runs the function when the kernel function is entered."),
	FN("kdebug.kretprobe", "kdebug.kretprobe(symbol, function)", "Runs the function when the kernel function returns."),
	FN("kdebug.trace_end", "kdebug.trace_end(function)", "Runs the function at the end of the run (trace_end { })."),
	FN("timer.tick", "timer.tick(interval, function)", "Runs the function in user space every interval (\"1s\")."),
	FN("timer.profile", "timer.profile(interval, function)", "Runs the function on every CPU every interval, in the kernel."),
	FN("ansi.clear_screen", "ansi.clear_screen()", "Clears the terminal."),
	FN("ansi.reset_color", "ansi.reset_color()", "Resets the terminal's colors."),
	FN("ansi.new_line", "ansi.new_line()", "Prints a newline."),
	FN("ansi.set_color", "ansi.set_color(fg)", "Sets the terminal's foreground color."),
	FN("ansi.set_color2", "ansi.set_color2(attr, fg)", "Sets the terminal's attribute and foreground color."),
	FN("ansi.set_color3", "ansi.set_color3(attr, fg, bg)", "Sets the terminal's attribute, foreground and background colors."),
	VAR("pid", "The process id (tgid) of the current task."),
	VAR("tid", "The thread id of the current task."),
	VAR("uid", "The user id of the current task."),
	VAR("cpu", "The CPU the probe runs on."),
	VAR("execname", "The name (comm) of the current task."),
	VAR("curtask", "The current struct task_struct, typed from the kernel's BTF."),
	VAR("ppid", "The parent's process id."),
	VAR("probename", "The event's name without its system (sys_enter_openat); the symbol for probes."),
	VAR("argstr", "The event rendered as text the way ftrace prints it."),
	VAR("arg0", "Field 0 of the event: the syscall number, the first field, or the probe address."),
	VAR("arg1", "Field 1 of the event (a syscall's first argument or return value)."),
	VAR("arg2", "Field 2 of the event."),
	VAR("arg3", "Field 3 of the event."),
	VAR("arg4", "Field 4 of the event."),
	VAR("arg5", "Field 5 of the event."),
	VAR("arg6", "Field 6 of the event."),
	VAR("arg7", "Field 7 of the event."),
	VAR("arg8", "Field 8 of the event."),
	VAR("arg9", "Field 9 of the event."),
};
#define NDOCS ((int)(sizeof docs / sizeof *docs))

const BuiltinDoc *builtin_doc(const char *name)
{
	for (int i = 0; i < NDOCS; i++)
		if (!strcmp(docs[i].name, name))
			return &docs[i];
	return NULL;
}

const BuiltinDoc *builtin_doc_at(int i)
{
	return i >= 0 && i < NDOCS ? &docs[i] : NULL;
}

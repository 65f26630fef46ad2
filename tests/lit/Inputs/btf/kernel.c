/* The kernel types the lit tests see (KTAP_BTF, set by lit.cfg.py): this
 * file compiled with `clang -g -target bpf`, whose .BTF holds the types of
 * the variables below. Member order differs from any real kernel's on
 * purpose: offsets in the tests come from here. */
typedef unsigned int u32;
typedef int pid_t;
typedef unsigned char u8;

enum state { RUNNING, SLEEPING = 2 };

struct flags {
	unsigned int lo : 3;
	int sbits : 5;
	unsigned int wide : 20;
};

struct task_struct {
	long pad;
	enum state state;
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	union {
		u32 cookie;
		struct {
			unsigned short lo16, hi16;
		};
	};
	struct flags fl;
	u32 cpus[4];
	char comm[16];
	u8 raw[4];
};

struct __kernel_timespec {
	long long tv_sec;
	long long tv_nsec;
};

struct task_struct task;
struct __kernel_timespec ts;
u32 word;

/* A tracepoint as the kernel's BTF has it (tp_btf:, raw_tp:): the
 * prototype through btf_trace_NAME, the argument names on __bpf_trace_NAME
 * (both with the tracepoint's data first). */
typedef _Bool bool;
typedef void (*btf_trace_sched_switch)(void *, bool, struct task_struct *, struct task_struct *,
				       unsigned int);
btf_trace_sched_switch tp_sched_switch;

void __bpf_trace_sched_switch(void *__data, bool preempt, struct task_struct *prev,
			      struct task_struct *next, unsigned int prev_state)
{
}

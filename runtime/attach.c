/* Attaching: a registering statement (KH_ATTACH) attaches every handler of
 * its group. Kernel handlers become bpf_links, which are file descriptors
 * owned by this process and never pinned: whatever way ktap ends, even a
 * crash, the kernel detaches them when the process goes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include "rt.h"
#include "../common/events.h"
#include "../common/util.h"

static void add_link(Rt *rt, struct bpf_link *l)
{
	rt->links = xrealloc(rt->links, (rt->nlinks + 1) * sizeof(*rt->links));
	rt->links[rt->nlinks++] = l;
}

static int fail(Rt *rt, const KtapHandler *h, const char *what, int err)
{
	fprintf(stderr, "%s:%u: error: cannot attach %s: %s\n", rt->meta.source_name, h->line, what,
		strerror(err));
	rt->error = 1;
	rt->stop = 1;
	return -1;
}

/* Keeps the link libbpf made for h, or says why it could not. */
static int keep_link(Rt *rt, const KtapHandler *h, struct bpf_link *l)
{
	long err = libbpf_get_error(l);
	if (err)
		return fail(rt, h, h->target, -err);
	add_link(rt, l);
	return 0;
}

static struct bpf_program *program(Rt *rt, const KtapHandler *h)
{
	struct bpf_program *p = bpf_object__find_program_by_name(rt->obj, h->prog);
	if (!p)
		fail(rt, h, h->prog, ENOENT);
	return p;
}

/* The program of a handler on "system:event", and the ':' in its target. */
static struct bpf_program *event_program(Rt *rt, const KtapHandler *h, const char **colon)
{
	*colon = strchr(h->target, ':');
	if (!*colon) {
		fail(rt, h, h->target, EINVAL);
		return NULL;
	}
	return program(rt, h);
}

static int attach_tracepoint(Rt *rt, const KtapHandler *h)
{
	const char *colon;
	struct bpf_program *p = event_program(rt, h, &colon);
	if (!p)
		return -1;
	char *sys = xstrndup(h->target, colon - h->target);
	struct bpf_link *l = bpf_program__attach_tracepoint(p, sys, colon + 1);
	free(sys);
	if (keep_link(rt, h, l))
		return -1;
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to %s\n", h->prog, h->target);
	return 0;
}

/* A BTF raw tracepoint (the section names it) or a raw tracepoint
 * (raw_tp:, named by the target): its link is released without the RCU
 * grace period a perf-event tracepoint costs (see ir/lower_dispatch.c). */
static int attach_raw_tracepoint(Rt *rt, const KtapHandler *h)
{
	struct bpf_program *p = program(rt, h);
	if (!p)
		return -1;
	struct bpf_link *l = bpf_program__type(p) == BPF_PROG_TYPE_RAW_TRACEPOINT ?
				     bpf_program__attach_raw_tracepoint(p, h->target) :
				     bpf_program__attach_trace(p);
	if (keep_link(rt, h, l))
		return -1;
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to raw tracepoint %s\n", h->prog, h->target);
	return 0;
}

/* bpf_attr's raw_tracepoint, with the cookie Linux 6.10 added (newer than
 * the installed uapi header and libbpf 1.1, which cannot set it). */
struct raw_tp_attr {
	uint64_t name;
	uint32_t prog_fd;
	uint32_t pad;
	uint64_t cookie;
};

/* One event of a program shared by many (see ir/lower_rawtp.c): a raw
 * tracepoint link whose cookie (interval_ns holds it) tells the program
 * which event it is. The kernel's tracepoint has the event's name. A
 * kernel before 6.10 refuses the cookie (E2BIG). */
static int attach_raw_event(Rt *rt, const KtapHandler *h)
{
	const char *colon;
	struct bpf_program *p = event_program(rt, h, &colon);
	if (!p)
		return -1;
	struct raw_tp_attr a = { (uintptr_t)(colon + 1), bpf_program__fd(p), 0, h->interval_ns };
	int fd = syscall(SYS_bpf, BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a));
	if (fd < 0) {
		char *what = xasprintf("%s as a raw tracepoint", h->target);
		fail(rt, h, what, errno);
		free(what);
		return -1;
	}
	rt->raw_fds = xrealloc(rt->raw_fds, (rt->nraw_fds + 1) * sizeof(int));
	rt->raw_fds[rt->nraw_fds++] = fd;
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to raw tracepoint %s with cookie %llu\n", h->prog,
			h->target, (unsigned long long)h->interval_ns);
	return 0;
}

/* A uprobe at the file offset the compiler found (the target is the
 * binary), in every process that maps it or, with -p, in that one only. */
static int attach_uprobe(Rt *rt, const KtapHandler *h)
{
	struct bpf_program *p = program(rt, h);
	if (!p)
		return -1;
	LIBBPF_OPTS(bpf_uprobe_opts, o, .retprobe = h->kind == H_URETPROBE, .ref_ctr_offset = h->ref_ctr);
	struct bpf_link *l = bpf_program__attach_uprobe_opts(p, rt->opt.pid ? rt->opt.pid : -1, h->target,
							     h->interval_ns, &o);
	long err = libbpf_get_error(l);
	if (err) {
		char *what = xasprintf("a uprobe to %s at offset 0x%llx", h->target,
				       (unsigned long long)h->interval_ns);
		fail(rt, h, what, -err);
		free(what);
		return -1;
	}
	add_link(rt, l);
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to %s%s at 0x%llx\n", h->prog, h->target,
			h->kind == H_URETPROBE ? " (return)" : "", (unsigned long long)h->interval_ns);
	return 0;
}

/* Whether the kernel can attach kprobes: tracefs has kprobe_events only
 * when it was built with CONFIG_KPROBES. Unknown (no tracefs): it may.
 * Asked once: the kernel does not change, and a script may attach many. */
static int kprobes_missing(void)
{
	static int missing = -1;
	if (missing >= 0)
		return missing;
	const char *why, *root = events_tracefs(&why);
	if (!root)
		return missing = 0;
	char *path = xasprintf("%s/kprobe_events", root);
	missing = access(path, F_OK) < 0 && errno == ENOENT;
	free(path);
	return missing;
}

/* A kprobe or kretprobe on a symbol, or on every function of a glob (one
 * kprobe.multi link). A kernel without kprobes is told in one line. */
static int attach_kprobe(Rt *rt, const KtapHandler *h)
{
	struct bpf_program *p = program(rt, h);
	if (!p)
		return -1;
	if (kprobes_missing()) {
		fprintf(stderr, "%s:%u: error: cannot attach probe:%s: this kernel cannot attach kprobes "
			"(it was built without CONFIG_KPROBES)\n", rt->meta.source_name, h->line, h->target);
		rt->error = 1;
		rt->stop = 1;
		return -1;
	}
	int ret = h->kind == H_KRETPROBE || h->kind == H_KRETPROBE_MULTI;
	struct bpf_link *l;
	if (h->kind == H_KPROBE_MULTI || h->kind == H_KRETPROBE_MULTI) {
		LIBBPF_OPTS(bpf_kprobe_multi_opts, o, .retprobe = ret);
		l = bpf_program__attach_kprobe_multi_opts(p, h->target, &o);
	} else {
		l = bpf_program__attach_kprobe(p, ret, h->target);
	}
	if (keep_link(rt, h, l))
		return -1;
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to kernel function %s%s\n", h->prog, h->target,
			ret ? " (return)" : "");
	return 0;
}

/* One cpu-clock sampling event per online CPU, each running the program. */
static int attach_profile(Rt *rt, const KtapHandler *h)
{
	struct bpf_program *p = program(rt, h);
	if (!p)
		return -1;
	int ncpus = libbpf_num_possible_cpus(), n = 0;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE, .size = sizeof(a),
					     .config = PERF_COUNT_SW_CPU_CLOCK,
					     .sample_period = h->interval_ns ? h->interval_ns : 1 };
		int fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV)	/* an offline CPU */
				continue;
			return fail(rt, h, "a cpu-clock perf event", errno);
		}
		struct bpf_link *l = bpf_program__attach_perf_event(p, fd);
		long err = libbpf_get_error(l);
		if (err) {
			close(fd);
			return fail(rt, h, "a cpu-clock perf event", -err);
		}
		add_link(rt, l);	/* the link owns fd */
		n++;
	}
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: attached %s to %d CPUs every %llu ns\n", h->prog, n,
			(unsigned long long)h->interval_ns);
	return 0;
}

static int add_timer(Rt *rt, const KtapHandler *h)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return fail(rt, h, "a timer", errno);
	uint64_t ns = h->interval_ns ? h->interval_ns : 1;
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	struct itimerspec its = { ts, ts };
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int err = errno;
		close(fd);
		return fail(rt, h, "a timer", err);
	}
	rt->timers = xrealloc(rt->timers, (rt->ntimers + 1) * sizeof(*rt->timers));
	rt->timers[rt->ntimers++] = (RtTimer){ fd, h };
	if (rt->opt.verbose)
		fprintf(stderr, "ktap: %s runs every %llu ns\n", h->prog, (unsigned long long)ns);
	return 0;
}

int rt_attach(Rt *rt, uint32_t group)
{
	for (uint32_t i = 0; i < rt->meta.nhandlers; i++) {
		const KtapHandler *h = &rt->meta.handlers[i];
		if (h->group != group || rt->attached[i])
			continue;
		rt->attached[i] = 1;
		rt->registered++;
		if (rt->opt.dry_run)
			continue;
		int rc = 0;
		switch (h->kind) {
		case H_TRACEPOINT: rc = attach_tracepoint(rt, h); break;
		case H_RAW_TRACEPOINT: rc = attach_raw_tracepoint(rt, h); break;
		case H_RAW_EVENT: rc = attach_raw_event(rt, h); break;
		case H_PROFILE: rc = attach_profile(rt, h); break;
		case H_UPROBE: case H_URETPROBE: rc = attach_uprobe(rt, h); break;
		case H_KPROBE: case H_KRETPROBE: case H_KPROBE_MULTI: case H_KRETPROBE_MULTI:
			rc = attach_kprobe(rt, h);
			break;
		case H_TICK: rc = add_timer(rt, h); break;
		case H_END: rt->end_handler = i; break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The run has ended: handlers see BSS_EXIT and return at once (the
 * prologue the compiler gives them). membarrier(GLOBAL) is a
 * synchronize_rcu(), and every BPF program run by a tracepoint or a perf
 * event runs inside an RCU read-side section: once it returns, a handler
 * that read the flag before it was set has finished too, so its records
 * are in the ring buffer and its counts in the tables. Without it (a
 * nohz_full kernel refuses) such a handler may still be finishing. */
void rt_stop_handlers(Rt *rt)
{
	if (!rt->data[RT_BSS] || rt->data_size[RT_BSS] < BSS_RESERVED)
		return;
	__atomic_store_n((uint64_t *)(rt->data[RT_BSS] + BSS_EXIT), 1, __ATOMIC_SEQ_CST);
	if (rt->nlinks || rt->nraw_fds)
		(void)!syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

/* Releasing a link waits for RCU grace periods in the kernel, one after
 * the other in one thread. For a perf-event tracepoint the longest of them
 * is taken under the kernel's event_mutex, so more threads only overlap
 * the rest: 2x faster from 4 threads on, no better with 64 (measured:
 * docs/performance.md, "Teardown"). The threads sleep, so a few cost
 * the machine nothing. */
#define RELEASE_THREADS 8	/* at most, besides the caller */
#define LINKS_PER_THREAD 4	/* fewer links than this are not worth a thread */

typedef struct Release {
	struct bpf_link **links;
	int nlinks;
	int *fds;		/* then these */
	int n;			/* links and fds */
	int next;		/* the next to release, taken atomically */
} Release;

static void *release_some(void *arg)
{
	Release *r = arg;
	for (int i; (i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED)) < r->n;) {
		if (i < r->nlinks)
			bpf_link__destroy(r->links[i]);
		else
			close(r->fds[i - r->nlinks]);
	}
	return NULL;
}

/* A thread that cannot start leaves its share to the others: every link is
 * released whatever happens. Signals stay with the main thread. */
static void release_links(Rt *rt)
{
	int n = rt->nlinks + rt->nraw_fds;
	Release r = { rt->links, rt->nlinks, rt->raw_fds, n, 0 };
	pthread_t t[RELEASE_THREADS];
	int want = n / LINKS_PER_THREAD, started = 0;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (started < want && started < RELEASE_THREADS && !pthread_create(&t[started], NULL, release_some, &r))
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	release_some(&r);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

void rt_detach(Rt *rt)
{
	if (rt->opt.verbose && rt->nlinks + rt->nraw_fds)
		fprintf(stderr, "ktap: releasing %d links\n", rt->nlinks + rt->nraw_fds);
	release_links(rt);
	free(rt->links);
	rt->links = NULL;
	rt->nlinks = 0;
	free(rt->raw_fds);
	rt->raw_fds = NULL;
	rt->nraw_fds = 0;
	for (int i = 0; i < rt->ntimers; i++)
		close(rt->timers[i].fd);
	free(rt->timers);
	rt->timers = NULL;
	rt->ntimers = 0;
}

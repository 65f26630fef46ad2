/* The run, in the order of LANGUAGE.md §1: the main chunk (whose trace
 * statements attach as they execute), the banner, events until something
 * ends the run, detach, trace_end, the last output, the report. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include "rt.h"

/* What the run loop waits for: the kind in the high half of the epoll data. */
enum { EV_WAKE, EV_OUTPUT, EV_CHILD, EV_DEADLINE, EV_TIMER };

typedef struct Run {
	int ep;
	int wake;		/* an eventfd the signal handler writes */
	pid_t child;		/* -- CMD, 0 when none or reaped */
	int pidfd;
	int deadline;		/* -t: a timerfd */
} Run;

static Rt *signal_rt;
static int signal_wake = -1;

/* SIGINT, SIGTERM: end the run. The interpreter sees rt->stop too, so a
 * runaway loop in user context stops as well. */
static void on_signal(int sig)
{
	int saved = errno;
	uint64_t one = 1;
	if (signal_rt)
		signal_rt->stop = 1;
	if (signal_wake >= 0)	/* may fail only when a wakeup is pending anyway */
		(void)!write(signal_wake, &one, sizeof(one));
	errno = saved;
}

static void handle_signals(Rt *rt, int wake)
{
	signal_rt = rt;
	signal_wake = wake;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void watch(Run *r, int fd, uint32_t kind, uint32_t index)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)kind << 32 | index };
	if (fd >= 0 && epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fprintf(stderr, "ktap: warning: cannot watch fd %d: %s\n", fd, strerror(errno));
}

/* -- CMD: started once the probes are attached. An exec failure comes back
 * through a close-on-exec pipe, so it is reported here and not as an exit status. */
static int start_child(Rt *rt, Run *r)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "ktap: error: pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ktap: error: fork: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(rt->opt.cmd[0], rt->opt.cmd);
		int err = errno;
		(void)!write(p[1], &err, sizeof(err));
		_exit(127);
	}
	close(p[1]);
	int err;
	ssize_t n = read(p[0], &err, sizeof(err));
	close(p[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		fprintf(stderr, "ktap: error: cannot run '%s': %s\n", rt->opt.cmd[0], strerror(err));
		return -1;
	}
	r->child = pid;
	r->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		fprintf(stderr, "ktap: error: pidfd_open: %s\n", strerror(errno));
		return -1;
	}
	watch(r, r->pidfd, EV_CHILD, 0);
	return 0;
}

/* A CMD still running when the run ends early is ended too. */
static void end_child(Run *r)
{
	if (r->child <= 0)
		return;
	if (waitpid(r->child, NULL, WNOHANG) == 0) {
		kill(r->child, SIGTERM);
		waitpid(r->child, NULL, 0);
	}
	r->child = 0;
}

static int start_deadline(Rt *rt, Run *r)
{
	if (rt->opt.seconds <= 0)
		return 0;
	r->deadline = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	uint64_t ns = rt->opt.seconds * 1e9;
	struct itimerspec its = { .it_value = { ns / 1000000000, ns % 1000000000 } };
	if (r->deadline < 0 || timerfd_settime(r->deadline, 0, &its, NULL) < 0) {
		fprintf(stderr, "ktap: error: timer: %s\n", strerror(errno));
		return -1;
	}
	watch(r, r->deadline, EV_DEADLINE, 0);
	return 0;
}

static int kernel_exit(Rt *rt)
{
	uint64_t v = 0;
	if (rt->data[RT_BSS] && rt->data_size[RT_BSS] >= BSS_RESERVED)
		memcpy(&v, rt->data[RT_BSS] + BSS_EXIT, 8);
	return v != 0;
}

static void drain(int fd)
{
	uint64_t v;
	(void)!read(fd, &v, sizeof(v));	/* nonblocking: may be empty */
}

static void on_event(Rt *rt, Run *r, uint64_t data)
{
	uint32_t kind = data >> 32, index = (uint32_t)data;
	switch (kind) {
	case EV_WAKE: drain(r->wake); break;
	case EV_OUTPUT: rt_output_poll(rt, 0); break;
	case EV_CHILD:
		waitpid(r->child, NULL, 0);
		r->child = 0;
		rt->stop = 1;
		break;
	case EV_DEADLINE: rt->stop = 1; break;
	case EV_TIMER:
		if (index < (uint32_t)rt->ntimers) {
			drain(rt->timers[index].fd);
			if (!rt->stop)
				rt_call(rt, rt->timers[index].h->prog);
		}
		break;
	}
}

/* Events until a signal, exit() from either context, -t, the end of CMD or
 * a run-time error. BSS_EXIT is read as well as the exit record, which a
 * full ring buffer may have lost. */
static void loop(Rt *rt, Run *r)
{
	watch(r, rt_output_fd(rt), EV_OUTPUT, 0);
	for (int i = 0; i < rt->ntimers; i++)
		watch(r, rt->timers[i].fd, EV_TIMER, i);
	while (!rt->stop && !rt->error && !kernel_exit(rt)) {
		struct epoll_event evs[16];
		int n = epoll_wait(r->ep, evs, 16, 100);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "ktap: error: epoll_wait: %s\n", strerror(errno));
			rt->error = 1;
			break;
		}
		for (int i = 0; i < n && !rt->error; i++)
			on_event(rt, r, evs[i].data.u64);
	}
}

static void run_events(Rt *rt, Run *r)
{
	if (!rt->registered && !rt->opt.cmd)
		return;
	if (rt->registered && !rt->opt.quiet)
		fputs("Tracing... Hit Ctrl-C to end.\n", stderr);
	if (start_deadline(rt, r) < 0 || (rt->opt.cmd && start_child(rt, r) < 0)) {
		rt->error = 1;
		return;
	}
	loop(rt, r);
}

int rt_run(Rt *rt)
{
	if (rt->opt.dry_run) {
		if (rt->opt.verbose)
			fprintf(stderr, "ktap: %s: verified, nothing attached (-d)\n", rt->meta.source_name);
		return 0;
	}
	Run r = { .ep = epoll_create1(EPOLL_CLOEXEC), .wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		  .pidfd = -1, .deadline = -1 };
	if (r.ep < 0 || r.wake < 0) {
		fprintf(stderr, "ktap: error: epoll: %s\n", strerror(errno));
		return 1;
	}
	handle_signals(rt, r.wake);
	watch(&r, r.wake, EV_WAKE, 0);
	if (rt_interp_init(rt) < 0 || rt_output_init(rt) < 0)
		rt->error = 1;
	else if (rt_call(rt, rt->meta.main_func) == 0 && !rt->stop)
		run_events(rt, &r);
	rt_output_poll(rt, 0);	/* shown now: detaching can take a while (RCU grace periods) */
	rt_detach(rt);
	end_child(&r);
	rt_output_poll(rt, 0);	/* kernel output comes before trace_end's */
	if (rt->end_handler >= 0 && rt->interp)	/* runs although stop is set (rt_call) */
		rt_call(rt, rt->meta.handlers[rt->end_handler].prog);
	rt_output_poll(rt, 0);
	rt_output_report(rt);
	fflush(rt->opt.out ? rt->opt.out : stdout);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal_rt = NULL;
	signal_wake = -1;
	int fds[] = { r.ep, r.wake, r.pidfd, r.deadline };
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rt->error ? 1 : 0;
}

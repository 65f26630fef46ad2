/* The run, in the order of docs/language.md §1: the main chunk (whose trace
 * statements attach as they execute), the banner, events until something
 * ends the run, handlers stopped, the answer (the last output, trace_end,
 * the report), and only then the links released. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include "rt.h"
#include "../common/util.h"

#define CMD_GRACE_MS 2000	/* from SIGTERM to SIGKILL for a CMD that outlives the run */

/* What the run loop waits for: the kind in the high half of the epoll data. */
enum { EV_WAKE, EV_OUTPUT, EV_CHILD, EV_DEADLINE, EV_TIMER };

typedef struct Run {
	int ep;
	int wake;		/* an eventfd the signal handler writes */
	char *cmd_path;		/* -- CMD: its program, found before anything attaches */
	pid_t child;		/* -- CMD, 0 when none or reaped */
	int pidfd;
	int cmd_ended;		/* CMD ended by itself, with cmd_status */
	int cmd_status;
	int deadline;		/* -t: a timerfd */
} Run;

static Rt *signal_rt;
static int signal_wake = -1;
static volatile sig_atomic_t signals_seen;
static volatile pid_t signal_child;
static volatile sig_atomic_t releasing;	/* the answer is out: releasing links */

/* A second SIGINT or SIGTERM: whatever the end of the run waits for (a
 * CMD, trace_end, a reader of the output, the release of the links), ktap
 * ends now. Exiting closes every link and program fd, so the kernel
 * detaches them all. During the release the answer is out: nothing to say. */
static void second_interrupt(int sig)
{
	static const char msg[] = "ktap: second interrupt: skipping trace_end and output, detaching\n";
	if (!releasing)
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	if (signal_child > 0)
		kill(signal_child, SIGKILL);
	_exit(128 + sig);
}

/* SIGINT, SIGTERM: end the run. The interpreter sees rt->stop too, so a
 * runaway loop in user context stops as well. */
static void on_signal(int sig)
{
	int saved = errno;
	uint64_t one = 1;
	if (signals_seen++)
		second_interrupt(sig);
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
	signals_seen = 0;
	releasing = 0;
	signal(SIGPIPE, SIG_IGN);	/* a reader gone is a write error (EPIPE), handled */
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

/* 0 if path names a file we may execute, else why not. */
static int runnable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(path, X_OK) < 0 ? errno : 0;
}

/* CMD's program, found as execvp finds it (a name without '/' in PATH),
 * before anything attaches: a CMD that cannot run must not start a run.
 * Returns the path, or NULL after saying why. */
static char *find_cmd(const char *name)
{
	int err = ENOENT;
	if (strchr(name, '/')) {
		if (!(err = runnable(name)))
			return xstrdup(name);
	} else if (*name) {
		const char *dirs = getenv("PATH");
		if (!dirs || !*dirs)
			dirs = "/usr/local/bin:/usr/bin:/bin";
		for (const char *d = dirs;; d++) {
			size_t len = strcspn(d, ":");
			char *path = len ? xasprintf("%.*s/%s", (int)len, d, name) : xasprintf("./%s", name);
			int e = runnable(path);
			if (!e)
				return path;
			free(path);
			if (e == EACCES)	/* found, not executable: execvp says so too */
				err = e;
			d += len;
			if (!*d)
				break;
		}
	}
	fprintf(stderr, "ktap: error: cannot run '%s': %s\n", name, strerror(err));
	return NULL;
}

/* -- CMD: started once the probes are attached. An exec failure that
 * find_cmd could not foresee comes back through a close-on-exec pipe. */
static int start_child(Rt *rt, Run *r)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "ktap: error: pipe: %s\n", strerror(errno));
		return -1;
	}
	rt_usyms_cmd(rt, r->cmd_path);
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
		signal(SIGPIPE, SIG_DFL);
		execv(r->cmd_path, rt->opt.cmd);
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
	r->child = signal_child = pid;
	r->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		fprintf(stderr, "ktap: error: pidfd_open: %s\n", strerror(errno));
		return -1;
	}
	watch(r, r->pidfd, EV_CHILD, 0);
	return 0;
}

static void reaped(Run *r, int status)
{
	r->cmd_ended = 1;
	r->cmd_status = status;
	r->child = signal_child = 0;
}

/* A CMD still running when the run ends is ended too: SIGTERM, and
 * SIGKILL when it is still there after the grace period (or a signal
 * came during it). Its status is then not CMD's own. */
static void end_child(Run *r)
{
	int status;
	if (r->child <= 0)
		return;
	if (waitpid(r->child, &status, WNOHANG) == r->child) {
		reaped(r, status);
		return;
	}
	kill(r->child, SIGTERM);
	struct pollfd p = { .fd = r->pidfd, .events = POLLIN };
	if (poll(&p, 1, CMD_GRACE_MS) <= 0)
		kill(r->child, SIGKILL);
	waitpid(r->child, NULL, 0);
	r->child = signal_child = 0;
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
	case EV_CHILD: {
		int status = 0;
		waitpid(r->child, &status, 0);
		reaped(r, status);
		rt->stop = 1;
		break;
	}
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

/* The rule of rt.h: ktap's errors first, then CMD's own ending. */
static int exit_status(Rt *rt, Run *r)
{
	if (rt->error)
		return 1;
	if (!r->cmd_ended)
		return 0;
	if (WIFSIGNALED(r->cmd_status))
		return 128 + WTERMSIG(r->cmd_status);
	return WEXITSTATUS(r->cmd_status);
}

static int output_failed(Rt *rt)
{
	return rt->opt.sink && rt->opt.sink->err;
}

/* The run has ended: handlers stop, what they sent is delivered, CMD
 * ends, trace_end runs and everything is out, all before the links are
 * released, which can take seconds. */
static void answer(Rt *rt, Run *r)
{
	rt_stop_handlers(rt);
	rt_output_drain(rt);
	end_child(r);
	rt_output_drain(rt);	/* kernel output comes before trace_end's */
	/* trace_end runs although stop is set (rt_call), but not for an output
	 * that fails: what it prints could go nowhere */
	if (rt->end_handler >= 0 && rt->interp && !output_failed(rt))
		rt_call(rt, rt->meta.handlers[rt->end_handler].prog);
	rt_output_drain(rt);
	rt_output_report(rt);
	fflush(rt->opt.out);
}

int rt_run(Rt *rt)
{
	Run r = { .ep = -1, .wake = -1, .pidfd = -1, .deadline = -1 };
	if (rt->opt.cmd && !(r.cmd_path = find_cmd(rt->opt.cmd[0])))
		return 1;
	if (rt->opt.dry_run) {
		if (rt->opt.verbose)
			fprintf(stderr, "ktap: %s: verified, nothing attached (-d)\n", rt->meta.source_name);
		free(r.cmd_path);
		return 0;
	}
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	r.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r.ep < 0 || r.wake < 0) {
		fprintf(stderr, "ktap: error: epoll: %s\n", strerror(errno));
		free(r.cmd_path);
		return 1;
	}
	if (rt->opt.sink)	/* a write error ends the run like a signal */
		rt->opt.sink->stop = &rt->stop;
	if (rt->opt.json)
		rt_json_header(rt);
	handle_signals(rt, r.wake);
	watch(&r, r.wake, EV_WAKE, 0);
	if (rt_interp_init(rt) < 0 || rt_output_init(rt) < 0)
		rt->error = 1;
	else if (rt_call(rt, rt->meta.main_func) == 0 && !rt->stop)
		run_events(rt, &r);
	answer(rt, &r);
	int status = exit_status(rt, &r);
	if (rt->opt.json) {
		rt_json_end(rt, status);
		fflush(rt->opt.out);
	}
	releasing = 1;
	rt_detach(rt);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal_rt = NULL;
	signal_wake = -1;
	if (rt->opt.sink)
		rt->opt.sink->stop = NULL;
	int fds[] = { r.ep, r.wake, r.pidfd, r.deadline };
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(r.cmd_path);
	return status;
}

/* workload: a small, deterministic load for end-to-end tests.
 *
 *   workload [--comm NAME] [--threads N] [--cpu C] [--reset-on-fork] [--wait-fd FD] [-q]
 *            ACTION COUNT...
 *
 * Sets its comm (default "ktap-workload") first, with --cpu binds itself to
 * CPU C (its threads too: a known run queue for runqlen), with
 * --reset-on-fork sets SCHED_RESET_ON_FORK on itself (a one-bit bitfield of
 * its task_struct, sched_reset_on_fork, that a test reads), opens what it needs
 * and starts its threads, then, with --wait-fd, blocks until it reads one byte
 * from FD: a test starts it, attaches its probes, then releases it. Then
 * every thread (all released at once by a barrier) runs the actions in
 * order, each exactly COUNT times, checking every result:
 *
 *   getppid N      N getppid() system calls
 *   read N         N read()s of 1 byte from /dev/zero: N bytes read
 *   write N        N write()s of 1 byte to /dev/null: N bytes written
 *   write-sizes N  N write()s to /dev/null, the i-th (from 1) of i bytes
 *                  (N at most 65536): known sizes for histograms
 *   openat-fail N  N openat()s of a path that does not exist (ENOENT)
 *   nanosleep N    N nanosleep system calls of 1 microsecond (not glibc's
 *                  nanosleep(), which calls clock_nanosleep)
 *   call N         N calls of ktap_workload_probe(i), i = 0..N-1 (for uprobes)
 *   stack N        N calls of ktap_workload_stack_caller(), which calls
 *                  ktap_workload_stack_leaf(), which makes one getppid system
 *                  call with its own syscall instruction (so that the user
 *                  stack at the system call starts in it)
 *   spin N         spins in ktap_workload_spin() until the thread has used N ms
 *                  of CPU (for profile)
 *   ret N          N calls of the static ktap_workload_ret(i), i = 0..N-1,
 *                  which returns 2i + 1: the return values sum to N * N
 *   libc N         N calls of libc's labs(-i), i = 0..N-1, through a
 *                  volatile pointer (never inlined): the arguments sum to
 *                  -N(N-1)/2
 *   bad-args N     N rounds of harmless system calls with arguments whose
 *                  values test signedness, each failing or doing nothing:
 *                  getpriority(PRIO_PROCESS, -1) with garbage in the upper
 *                  half of the register (ESRCH), getpgid(-1) (ESRCH),
 *                  close(0x80000000) passed sign-extended (EBADF) and
 *                  lseek(/dev/zero, -1, SEEK_CUR) (returns 0)
 *   tcp N          listens on 127.0.0.1 (an ephemeral port) and makes N
 *                  connections to it, one at a time: the client sends
 *                  TCP_TX bytes, the server answers TCP_RX bytes, the client
 *                  closes, then the server
 *   tcp6 N         the same over ::1 (exit status 3 when the machine has no
 *                  IPv6 loopback, so that tests can skip)
 *   tcp-retrans N  N connections whose SYN is retransmitted once: the
 *                  listener (backlog 0) has its accept queue filled by one
 *                  connection first, so it drops their SYNs; each waits for
 *                  the kernel's retransmission after the initial RTO (1 s)
 *                  by polling TCP_INFO's total_retrans, then closes
 *
 * At the end it prints one line saying what it did (-q: nothing), with a
 * single write() to stdout after all the actions; the tcp actions add
 * "[tcp: port P, tx TX, rx RX, clients C1 C2 ...]": the listening port,
 * the bytes each client sent and received, and the clients' ports. Exit status 0, or 1 when
 * an action failed, 2 on a bad command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MISSING_PATH "/nonexistent-ktap-workload/file"

enum { MAX_ACTIONS = 16, MAX_THREADS = 64 };
static const long MAX_COUNT = 1000000000;

typedef enum {
	A_GETPPID, A_READ, A_WRITE, A_OPENAT_FAIL, A_NANOSLEEP, A_CALL, A_RET, A_LIBC, A_BAD_ARGS, A_STACK,
	A_SPIN, A_WRITE_SIZES, A_TCP, A_TCP6, A_TCP_RETRANS, A_N
} Kind;

static const char *const names[A_N] = {
	"getppid", "read", "write", "openat-fail", "nanosleep", "call", "ret", "libc", "bad-args",
	"stack", "spin", "write-sizes", "tcp", "tcp6", "tcp-retrans",
};

typedef struct Action {
	Kind kind;
	long count;
} Action;

static Action actions[MAX_ACTIONS];
static int nactions;
static int zero_fd, null_fd;
static pthread_barrier_t start;
static volatile long probe_sum;

/* The uprobe target: exported, never inlined or cloned, so that the
 * symbol is entered exactly once per call. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noipa))
#endif
__attribute__((noinline, used)) long ktap_workload_probe(long i)
{
	__asm__ volatile("" ::: "memory");
	probe_sum += i;
	return probe_sum;
}

/* The stack targets: the workload is built with frame pointers, so that
 * the kernel can walk its user stack. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noipa))
#endif
__attribute__((noinline, used)) long ktap_workload_stack_leaf(void)
{
#ifdef __x86_64__
	long r;
	/* a frame of its own, which the compiler leaves out of leaf functions */
	__asm__ volatile("" : : "r"(__builtin_frame_address(0)));
	__asm__ volatile("syscall" : "=a"(r) : "a"(SYS_getppid) : "rcx", "r11", "memory");
	return r;
#else
	return syscall(SYS_getppid);
#endif
}

#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noipa))
#endif
__attribute__((noinline, used)) long ktap_workload_stack_caller(void)
{
	return ktap_workload_stack_leaf() + 1;
}

static long cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Almost all of its time in its own loop, not in clock_gettime. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noipa))
#endif
__attribute__((noinline, used)) void ktap_workload_spin(long ms)
{
	long end = cpu_ms() + ms;
	while (cpu_ms() < end)
		for (volatile long k = 0; k < 1000000; k++)
			;
}

/* The uretprobe target: static (in .symtab only), with a known result. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noipa))
#endif
__attribute__((noinline)) static long ktap_workload_ret(long i)
{
	__asm__ volatile("" ::: "memory");
	return 2 * i + 1;
}

static long (*volatile libc_fn)(long) = labs;

static void fail(const char *what, long i)
{
	fprintf(stderr, "workload: %s #%ld failed: %s\n", what, i, strerror(errno));
	exit(1);
}

/* Each call's int argument holds -1 or 0x80000000 in its low half. */
static void bad_args(long i)
{
	if (syscall(SYS_getpriority, PRIO_PROCESS, 0x12345678ffffffffL) != -1 || errno != ESRCH)
		fail("getpriority", i);
	if (syscall(SYS_getpgid, -1) != -1 || errno != ESRCH)
		fail("getpgid", i);
	if (syscall(SYS_close, (int)0x80000000u) != -1 || errno != EBADF)
		fail("close", i);
	if (lseek(zero_fd, -1, SEEK_CUR) != 0)
		fail("lseek", i);
}

enum { TCP_TX = 1000, TCP_RX = 3000 };
static char tcp_report[4096];	/* what the tcp actions did, for the last line */

static int tcp_socket(int family)
{
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 && family == AF_INET6 && errno == EAFNOSUPPORT)
		exit(3);
	if (s < 0)
		fail("socket", 0);
	return s;
}

/* A listener on the loopback of family, at an ephemeral port. */
static int tcp_listen(int family, int backlog, struct sockaddr_storage *at, socklen_t *len)
{
	int s = tcp_socket(family);
	memset(at, 0, sizeof(*at));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)at;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)at;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	if (bind(s, (struct sockaddr *)at, *len)) {
		if (family == AF_INET6 && errno == EADDRNOTAVAIL)
			exit(3);	/* no ::1 */
		fail("bind", 0);
	}
	if (listen(s, backlog) || getsockname(s, (struct sockaddr *)at, len))
		fail("listen", 0);
	return s;
}

static int port_of(int s, int peer)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	if ((peer ? getpeername : getsockname)(s, (struct sockaddr *)&a, &len))
		fail("getsockname", 0);
	return ntohs(a.ss_family == AF_INET ? ((struct sockaddr_in *)&a)->sin_port :
		     ((struct sockaddr_in6 *)&a)->sin6_port);
}

static void transfer(int from, int to, int n, long i)
{
	static char buf[TCP_RX];
	if (write(from, buf, n) != n)
		fail("tcp send", i);
	for (int got = 0, r; got < n; got += r)
		if ((r = read(to, buf, n - got)) <= 0)
			fail("tcp receive", i);
}

static void tcp_note(const char *fmt, long v)
{
	size_t n = strlen(tcp_report);
	snprintf(tcp_report + n, sizeof(tcp_report) - n, fmt, v);
}

static void tcp_run(int family, long count)
{
	struct sockaddr_storage at;
	socklen_t len;
	int l = tcp_listen(family, 16, &at, &len);
	tcp_note(" [tcp: port %ld", port_of(l, 0));
	tcp_note(", tx %ld", TCP_TX);
	tcp_note(", rx %ld, clients", TCP_RX);
	for (long i = 0; i < count; i++) {
		int c = tcp_socket(family), a;
		if (connect(c, (struct sockaddr *)&at, len) || (a = accept(l, NULL, NULL)) < 0)
			fail("tcp connect", i);
		tcp_note(" %ld", port_of(c, 0));
		transfer(c, a, TCP_TX, i);
		transfer(a, c, TCP_RX, i);
		close(c);
		close(a);
	}
	tcp_note("]", 0);
	close(l);
}

/* Its SYN dropped by the full listener, then retransmitted by the kernel. */
static void tcp_retrans(long count)
{
	struct sockaddr_storage at;
	socklen_t len;
	int l = tcp_listen(AF_INET, 0, &at, &len), first = tcp_socket(AF_INET);
	if (connect(first, (struct sockaddr *)&at, len))	/* queued, never accepted */
		fail("tcp connect", 0);
	tcp_note(" [tcp: port %ld, tx 0, rx 0, clients", port_of(l, 0));
	for (long i = 0; i < count; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c < 0 || (connect(c, (struct sockaddr *)&at, len) && errno != EINPROGRESS))
			fail("tcp connect", i);
		tcp_note(" %ld", port_of(c, 0));
		struct tcp_info ti = { 0 };
		for (socklen_t n = sizeof(ti); !ti.tcpi_total_retrans; n = sizeof(ti)) {
			struct timespec poll = { 0, 10000000 };
			if (getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &n))
				fail("TCP_INFO", i);
			nanosleep(&poll, NULL);
		}
		close(c);
	}
	tcp_note("]", 0);
	close(first);
	close(l);
}

enum { MAX_WRITE_SIZE = 65536 };
static char sized[MAX_WRITE_SIZE];

static void run(const Action *a)
{
	char c = 'x';
	struct timespec ts = { 0, 1000 };
	switch (a->kind) {	/* once, for all of COUNT */
	case A_SPIN:
		ktap_workload_spin(a->count);
		return;
	case A_TCP:
	case A_TCP6:
		tcp_run(a->kind == A_TCP ? AF_INET : AF_INET6, a->count);
		return;
	case A_TCP_RETRANS:
		tcp_retrans(a->count);
		return;
	default:
		break;
	}
	for (long i = 0; i < a->count; i++) {
		switch (a->kind) {
		case A_GETPPID:
			syscall(SYS_getppid);
			break;
		case A_READ:
			if (read(zero_fd, &c, 1) != 1)
				fail("read", i);
			break;
		case A_WRITE:
			if (write(null_fd, &c, 1) != 1)
				fail("write", i);
			break;
		case A_WRITE_SIZES:
			if (i >= MAX_WRITE_SIZE || write(null_fd, sized, i + 1) != i + 1)
				fail("write-sizes", i);
			break;
		case A_OPENAT_FAIL:
			if (openat(AT_FDCWD, MISSING_PATH, O_RDONLY) != -1 || errno != ENOENT)
				fail("openat-fail", i);
			break;
		case A_NANOSLEEP:
			if (syscall(SYS_nanosleep, &ts, NULL))
				fail("nanosleep", i);
			break;
		case A_CALL:
			ktap_workload_probe(i);
			break;
		case A_RET:
			if (ktap_workload_ret(i) != 2 * i + 1)
				fail("ret", i);
			break;
		case A_LIBC:
			if (libc_fn(-i) != i)
				fail("libc", i);
			break;
		case A_BAD_ARGS:
			bad_args(i);
			break;
		case A_STACK:
			ktap_workload_stack_caller();
			break;
		case A_SPIN:	/* run above */
		case A_TCP:
		case A_TCP6:
		case A_TCP_RETRANS:
		case A_N:
			break;
		}
	}
}

static void *thread(void *arg)
{
	pthread_barrier_wait(&start);
	for (int k = 0; k < nactions; k++)
		run(&actions[k]);
	return arg;
}

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "workload: %s\n", why);
	fprintf(stderr, "usage: workload [--comm NAME] [--threads N] [--cpu C] [--reset-on-fork] [--wait-fd FD]"
		" [-q] ACTION COUNT...\nactions: getppid read write openat-fail nanosleep call ret libc bad-args stack spin write-sizes\n"
		"  tcp tcp6 tcp-retrans\n");
	exit(2);
}

static long number(const char *s, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < min || n > max) {
		fprintf(stderr, "workload: %s must be a number from %ld to %ld, not '%s'\n", what, min, max, s);
		exit(2);
	}
	return n;
}

static Kind kind(const char *s)
{
	for (int k = 0; k < A_N; k++)
		if (!strcmp(s, names[k]))
			return k;
	fprintf(stderr, "workload: unknown action '%s'\n", s);
	usage(NULL);
	return A_N;
}

int main(int argc, char **argv)
{
	const char *comm = "ktap-workload";
	long nthreads = 1, wait_fd = -1, cpu = -1;
	int quiet = 0, reset_on_fork = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else if (!strcmp(argv[i], "--reset-on-fork"))
			reset_on_fork = 1;
		else if (i + 1 >= argc)
			usage("an option needs a value");
		else if (!strcmp(argv[i], "--comm"))
			comm = argv[++i];
		else if (!strcmp(argv[i], "--threads"))
			nthreads = number(argv[++i], 1, MAX_THREADS, "--threads");
		else if (!strcmp(argv[i], "--cpu"))
			cpu = number(argv[++i], 0, CPU_SETSIZE - 1, "--cpu");
		else if (!strcmp(argv[i], "--wait-fd"))
			wait_fd = number(argv[++i], 0, 1 << 20, "--wait-fd");
		else
			usage("unknown option");
	}
	if (i == argc || (argc - i) % 2)
		usage("expected ACTION COUNT pairs");
	for (; i < argc; i += 2) {
		if (nactions == MAX_ACTIONS)
			usage("too many actions");
		actions[nactions].kind = kind(argv[i]);
		actions[nactions++].count = number(argv[i + 1], 0, MAX_COUNT, "COUNT");
	}

	/* before anything a test may count: the name, the files, the threads */
	if (prctl(PR_SET_NAME, comm, 0, 0, 0))
		fail("prctl", 0);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fail("sched_setaffinity", cpu);
	}
	struct sched_param normal = { 0 };
	if (reset_on_fork && sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &normal))
		fail("sched_setscheduler", 0);
	if ((zero_fd = open("/dev/zero", O_RDONLY)) < 0 || (null_fd = open("/dev/null", O_WRONLY)) < 0)
		fail("open", 0);
	pthread_t tids[MAX_THREADS];
	int threaded = nthreads > 1;
	if (threaded) {
		pthread_barrier_init(&start, NULL, nthreads + 1);
		for (long t = 0; t < nthreads; t++)
			if ((errno = pthread_create(&tids[t], NULL, thread, NULL)))
				fail("pthread_create", t);
	}
	char c;
	if (wait_fd >= 0 && read(wait_fd, &c, 1) != 1) {
		fprintf(stderr, "workload: no byte to read on fd %ld: not released\n", wait_fd);
		exit(1);
	}

	if (threaded) {
		pthread_barrier_wait(&start);
		for (long t = 0; t < nthreads; t++)
			pthread_join(tids[t], NULL);
		pthread_barrier_destroy(&start);
	} else {
		for (int k = 0; k < nactions; k++)
			run(&actions[k]);
	}

	if (!quiet) {
		/* fits: a 15-character comm and at most 16 actions of 23 */
		char name[17] = "", line[512 + sizeof(tcp_report)];
		prctl(PR_GET_NAME, name, 0, 0, 0);
		int n = snprintf(line, sizeof(line), "%s: pid %d, %ld thread%s, each:", name,
				 (int)getpid(), nthreads, nthreads > 1 ? "s" : "");
		for (int k = 0; k < nactions; k++)
			n += snprintf(line + n, sizeof(line) - n, " %s %ld", names[actions[k].kind],
				      actions[k].count);
		n += snprintf(line + n, sizeof(line) - n, "%s", tcp_report);
		line[n++] = '\n';
		if (write(STDOUT_FILENO, line, n) != n)
			return 1;
	}
	return 0;
}

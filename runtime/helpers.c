/* The helpers user-context code calls: ktap's own (common/uhelpers.h) and
 * the kernel helpers the compiler uses in both contexts, done in user
 * space with the kernel's meaning. Every pointer argument is checked. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include "common/uhelpers.h"
#include "common/util.h"
#include "interp.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* s into a string buffer of size bytes: truncated, NUL-terminated and
 * zero-padded like every ktap string. */
static int put_str(Rt *rt, uint64_t dst, uint64_t size, const char *s)
{
	if (!size)
		return 0;
	uint8_t *p = rt_mem(rt, dst, size, 1);
	if (!p)
		return -1;
	size_t n = strlen(s);
	if (n >= size)
		n = size - 1;
	memset(p, 0, size);
	memcpy(p, s, n);
	return 0;
}

static const KtapFormat *format_arg(Rt *rt, uint64_t id)
{
	if (id >= rt->meta.nformats) {
		rt_error(rt, "format %llu is not in the object", (unsigned long long)id);
		return NULL;
	}
	return &rt->meta.formats[id];
}

static int h_printf(Rt *rt, const uint64_t a[5])
{
	const KtapFormat *f = format_arg(rt, a[0]);
	const uint8_t *payload = f ? rt_mem(rt, a[1], f->size, 0) : NULL;
	if (!payload)
		return -1;
	rt_format(rt, rt->opt.out ? rt->opt.out : stdout, f, payload);
	return 0;
}

static int h_error(Rt *rt, const uint64_t a[5])
{
	const KtapFormat *f = format_arg(rt, a[0]);
	const uint8_t *payload = f ? rt_mem(rt, a[1], f->size, 0) : NULL;
	if (!payload)
		return -1;
	char *msg = NULL;
	size_t len = 0;
	FILE *ms = open_memstream(&msg, &len);
	rt_format(rt, ms, f, payload);
	fclose(ms);
	while (len && msg[len - 1] == '\n')
		msg[--len] = 0;
	rt_error(rt, "%s", msg);
	free(msg);
	return -1;
}

static int h_uname(Rt *rt, const uint64_t a[5], int release)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof u);
	return put_str(rt, a[0], a[1], release ? u.release : u.machine);
}

static int h_text(Rt *rt, const uint64_t a[5])
{
	size_t len;
	const char *fmt = NULL;
	if (a[2] != V_SYSCALL && a[2] != V_ERRNO && a[2] != V_TIME) {
		rt_error(rt, "text of a value of unknown kind %llu", (unsigned long long)a[2]);
		return -1;
	}
	if (a[2] == V_TIME && !(fmt = rt_mem_str(rt, a[4], &len)))
		return -1;
	char buf[256];
	return put_str(rt, a[0], a[1], rt_text(a[2], fmt, (int64_t)a[3], buf, sizeof buf));
}

/* probe_read_*(dst, size, src): on a bad source the kernel zeroes dst and
 * returns -EFAULT; here "bad" is memory the interpreter does not know. */
static int h_probe_read(Rt *rt, const uint64_t a[5], uint64_t *ret, int str)
{
	uint32_t size = a[1];
	uint8_t *dst = rt_mem(rt, a[0], size, 1);
	if (!dst)
		return -1;
	memset(dst, 0, size);
	size_t avail;
	const uint8_t *src = rt_mem_avail(rt, a[2], &avail);
	if (str && src && size) {
		size_t n = strnlen((const char *)src, avail < size - 1 ? avail : size - 1);
		memcpy(dst, src, n);
		*ret = n + 1;
	} else if (!str && src && avail >= size) {
		memcpy(dst, src, size);
		*ret = 0;
	} else {
		*ret = (uint64_t)-EFAULT;
	}
	return 0;
}

/* snprintf(str, size, fmt, data, data_len): returns the length with NUL */
static int h_snprintf(Rt *rt, const uint64_t a[5], uint64_t *ret)
{
	uint32_t size = a[1], n = a[4];
	char *dst = size ? (char *)rt_mem(rt, a[0], size, 1) : NULL;
	size_t flen;
	const char *fmt = rt_mem_str(rt, a[2], &flen);
	if ((size && !dst) || !fmt)
		return -1;
	if (n % 8 || n > 8 * 64) {
		*ret = (uint64_t)-EINVAL;
		return 0;
	}
	const void *p = n ? rt_mem(rt, a[3], n, 0) : NULL;
	uint64_t data[64];	/* the code's pointer need not be aligned */
	if (n && !p)
		return -1;
	if (n)
		memcpy(data, p, n);
	int r = rt_snprintf(rt, dst, size, fmt, data, n / 8);
	*ret = (uint64_t)(int64_t)r;
	return ((Interp *)rt->interp)->failed ? -1 : 0;
}

static int h_comm(Rt *rt, const uint64_t a[5])
{
	char name[17] = "";
	prctl(PR_GET_NAME, name);
	return put_str(rt, a[0], a[1], name);
}

/* The kernel helpers rt_helper implements, besides every KH_* helper. */
static const int kernel_helpers[] = {
	BPF_FUNC_map_lookup_elem, BPF_FUNC_map_update_elem, BPF_FUNC_map_delete_elem,
	BPF_FUNC_ktime_get_ns, BPF_FUNC_snprintf, BPF_FUNC_probe_read_kernel,
	BPF_FUNC_probe_read_user, BPF_FUNC_probe_read_kernel_str, BPF_FUNC_probe_read_user_str,
	BPF_FUNC_get_current_pid_tgid, BPF_FUNC_get_current_uid_gid, BPF_FUNC_get_current_comm,
	BPF_FUNC_get_smp_processor_id,
};

int rt_helper_known(int id)
{
	if (id > KH_FIRST_ && id < KH_END_)
		return 1;
	for (size_t i = 0; i < sizeof kernel_helpers / sizeof *kernel_helpers; i++)
		if (kernel_helpers[i] == id)
			return 1;
	return 0;
}

int rt_helper(Rt *rt, int id, const uint64_t a[5], uint64_t *ret)
{
	Interp *I = rt->interp;
	if (!I) {
		rt_error(rt, "a helper called before the interpreter was initialized");
		return -1;
	}
	*ret = 0;
	int r = rt_map_helper(rt, id, a, ret);
	if (r <= 0)
		return r;
	switch (id) {
	case KH_PRINTF: return h_printf(rt, a);
	case KH_ERROR: return h_error(rt, a);
	case KH_ATTACH:
		/* rt_attach reports its own errors */
		if (rt_attach(rt, a[0]) < 0) {
			rt->error = 1;
			I->failed = 1;
			return -1;
		}
		return 0;
	case KH_EXIT:
		I->exit_pending = 1;
		if (!I->running)
			rt->stop = 1;
		return 0;
	case KH_WALLTIME_NS: *ret = clock_ns(CLOCK_REALTIME); return 0;
	case BPF_FUNC_ktime_get_ns: *ret = clock_ns(CLOCK_MONOTONIC); return 0;
	case KH_NUM_CPUS: *ret = sysconf(_SC_NPROCESSORS_ONLN); return 0;
	case KH_TEXT: return h_text(rt, a);
	case KH_ARCH: return h_uname(rt, a, 0);
	case KH_KERNEL_V: return h_uname(rt, a, 1);
	case BPF_FUNC_snprintf: return h_snprintf(rt, a, ret);
	case BPF_FUNC_probe_read_kernel:
	case BPF_FUNC_probe_read_user: return h_probe_read(rt, a, ret, 0);
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user_str: return h_probe_read(rt, a, ret, 1);
	case BPF_FUNC_get_current_pid_tgid: *ret = (uint64_t)getpid() << 32 | (uint32_t)gettid(); return 0;
	case BPF_FUNC_get_current_uid_gid: *ret = (uint64_t)getgid() << 32 | getuid(); return 0;
	case BPF_FUNC_get_current_comm: return h_comm(rt, a);
	case BPF_FUNC_get_smp_processor_id: r = sched_getcpu(); *ret = r < 0 ? 0 : r; return 0;
	}
	rt_error(rt, "unknown helper %d", id);
	return -1;
}

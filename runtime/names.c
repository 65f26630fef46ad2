/* Text for numbers (docs/language.md §14): syscall and errno names and local
 * times, made in user space from what the kernel sent. A number without a
 * name prints as the number. */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "common/syscalls.h"
#include "interp.h"

/* ns since the epoch as local time (TZ honoured) by fmt; "" when it does
 * not fit (strftime leaves the buffer undefined then). */
static void local_time(char *buf, size_t size, const char *fmt, int64_t ns)
{
	int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);	/* floor */
	time_t t = (time_t)s;
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, size, fmt ? fmt : "", &tm))
		buf[0] = 0;
}

const char *rt_text(KtapVKind kind, const char *fmt, int64_t v, char *buf, size_t size)
{
	const char *name = NULL;
	if (kind == V_TIME) {
		local_time(buf, size, fmt, v);
		return buf;
	}
	if (kind == V_SYSCALL && v >= 0 && v <= INT32_MAX)
		name = syscall_name((int)v);
	else if (kind == V_ERRNO && v > 0 && v <= INT32_MAX)
		name = strerrorname_np((int)v);
	if (name)
		return name;
	snprintf(buf, size, "%" PRId64, v);
	return buf;
}

/* Names of the helpers: the kernel's, from the list its UAPI header
 * carries, and the user-context ones of uhelpers.h. */
#include <ctype.h>
#include <linux/bpf.h>
#include "uhelpers.h"

static const char *const knames[] = {
#define HELPER_NAME(x, ...) #x
	__BPF_FUNC_MAPPER(HELPER_NAME)
#undef HELPER_NAME
};

static const char *const unames[] = {
#define X(name, doc) #name,
	KTAP_UHELPERS(X)
#undef X
};

static const char *const kfuncs[][2] = {
#define X(name, cname, proto) { cname, proto },
	KTAP_KFUNCS(X)
#undef X
};

enum { NF = sizeof(kfuncs) / sizeof(kfuncs[0]) };

const char *kfunc_proto(int64_t id)
{
	return id >= KF_BASE && id < KF_BASE + NF ? kfuncs[id - KF_BASE][1] : 0;
}

enum { NK = sizeof(knames) / sizeof(knames[0]), NU = sizeof(unames) / sizeof(unames[0]) };

const char *helper_name(int64_t id)
{
	static char lower[NU][24];
	if (id > 0 && id < NK)
		return knames[id];
	if (kfunc_proto(id))
		return kfuncs[id - KF_BASE][0];
	int64_t i = id - KH_BASE;
	if (i < 0 || i >= NU)
		return 0;
	if (!lower[i][0])
		for (int j = 0; unames[i][j] && j < 23; j++)
			lower[i][j] = tolower((unsigned char)unames[i][j]);
	return lower[i];
}

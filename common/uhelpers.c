/* Names of the user-context helpers, for assembly listings. */
#include <ctype.h>
#include "uhelpers.h"

static const char *const names[] = {
#define X(name, doc) #name,
	KTAP_UHELPERS(X)
#undef X
};

const char *uhelper_name(int id)
{
	static char lower[sizeof(names) / sizeof(names[0])][24];
	int i = id - KH_BASE;
	if (i < 0 || i >= (int)(sizeof(names) / sizeof(names[0])))
		return 0;
	if (!lower[i][0])
		for (int j = 0; names[i][j] && j < 23; j++)
			lower[i][j] = tolower((unsigned char)names[i][j]);
	return lower[i];
}

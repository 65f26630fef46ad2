/* The table of datasec.h. */
#include <string.h>
#include "datasec.h"

const char *const data_sec_names[DATA_NSEC] = {
	[DATA_BSS] = ".bss", [DATA_DATA] = ".data", [DATA_RODATA] = ".rodata",
};

int data_sec_index(const char *name)
{
	for (int i = 0; i < DATA_NSEC; i++)
		if (!strcmp(name, data_sec_names[i]))
			return i;
	return -1;
}

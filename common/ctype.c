/* The C types of tracepoint fields: how wide and how signed their values are.
 *
 * Formats do not always say. Every syscall argument sits in an 8-byte slot
 * marked signed:0, whatever its type: the slot holds the whole register, and
 * for an `int` its upper half may be anything. So the type name decides:
 * the value is its low bytes, as wide as the type, sign-extended when the
 * type is signed. One table, for every type the syscall formats use. */
#include <string.h>
#include "common/events.h"

static const struct {
	const char *name;
	int width, is_signed;
} ctypes[] = {
	/* Linux builds with -funsigned-char since 6.2. */
	{ "char", 1, 0 }, { "signed char", 1, 1 }, { "unsigned char", 1, 0 },
	{ "bool", 1, 0 }, { "_Bool", 1, 0 },
	{ "short", 2, 1 }, { "short int", 2, 1 },
	{ "unsigned short", 2, 0 }, { "unsigned short int", 2, 0 },
	{ "int", 4, 1 }, { "signed", 4, 1 }, { "signed int", 4, 1 },
	{ "unsigned", 4, 0 }, { "unsigned int", 4, 0 },
	{ "long", 8, 1 }, { "long int", 8, 1 }, { "long long", 8, 1 }, { "long long int", 8, 1 },
	{ "unsigned long", 8, 0 }, { "unsigned long int", 8, 0 },
	{ "unsigned long long", 8, 0 }, { "unsigned long long int", 8, 0 },
	{ "s8", 1, 1 }, { "__s8", 1, 1 }, { "int8_t", 1, 1 },
	{ "u8", 1, 0 }, { "__u8", 1, 0 }, { "uint8_t", 1, 0 },
	{ "s16", 2, 1 }, { "__s16", 2, 1 }, { "int16_t", 2, 1 },
	{ "u16", 2, 0 }, { "__u16", 2, 0 }, { "uint16_t", 2, 0 },
	{ "s32", 4, 1 }, { "__s32", 4, 1 }, { "int32_t", 4, 1 },
	{ "u32", 4, 0 }, { "__u32", 4, 0 }, { "uint32_t", 4, 0 },
	{ "s64", 8, 1 }, { "__s64", 8, 1 }, { "int64_t", 8, 1 },
	{ "u64", 8, 0 }, { "__u64", 8, 0 }, { "uint64_t", 8, 0 },
	/* The kernel's typedefs, as include/linux/types.h and uapi headers
	 * define them on 64-bit machines. */
	{ "pid_t", 4, 1 }, { "uid_t", 4, 0 }, { "gid_t", 4, 0 }, { "qid_t", 4, 0 },
	{ "umode_t", 2, 0 }, { "size_t", 8, 0 }, { "ssize_t", 8, 1 },
	{ "off_t", 8, 1 }, { "loff_t", 8, 1 }, { "key_t", 4, 1 },
	{ "timer_t", 4, 1 }, { "clockid_t", 4, 1 }, { "rwf_t", 4, 1 },
	{ "key_serial_t", 4, 1 }, { "aio_context_t", 8, 0 }, { "mqd_t", 4, 1 },
	{ "time_t", 8, 1 }, { "__kernel_old_time_t", 8, 1 }, { "clock_t", 8, 1 },
	/* Typedefs of pointers (capget, capset). */
	{ "cap_user_header_t", 8, 0 }, { "cap_user_data_t", 8, 0 },
};

/* ctype without qualifiers, words joined by one space; whether it had a '*'. */
static int base_type(const char *ctype, char *out, size_t cap)
{
	static const char *const quals[] = { "const", "volatile", "restrict" };
	size_t n = 0;
	int pointer = 0;
	for (const char *p = ctype; *p;) {
		if (*p == ' ' || *p == '*') {
			pointer |= *p++ == '*';
			continue;
		}
		size_t len = strcspn(p, " *");
		int qual = 0;
		for (size_t i = 0; i < sizeof quals / sizeof *quals; i++)
			qual |= len == strlen(quals[i]) && !strncmp(p, quals[i], len);
		if (!qual && n + len + 2 <= cap) {
			if (n)
				out[n++] = ' ';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = 0;
	return pointer;
}

int ctype_int(const char *ctype, int *width, int *is_signed)
{
	char base[128];
	if (base_type(ctype, base, sizeof base)) {
		*width = sizeof(void *);
		*is_signed = 0;
		return 1;
	}
	/* Enumerations without negative values (those in syscalls) are
	 * unsigned int; a format that says signed:1 overrides this. */
	if (!strncmp(base, "enum ", 5)) {
		*width = 4;
		*is_signed = 0;
		return 1;
	}
	for (size_t i = 0; i < sizeof ctypes / sizeof *ctypes; i++)
		if (!strcmp(base, ctypes[i].name)) {
			*width = ctypes[i].width;
			*is_signed = ctypes[i].is_signed;
			return 1;
		}
	return 0;
}

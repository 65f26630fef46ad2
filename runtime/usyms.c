/* User addresses as symbols: the ELF symbol tables (.symtab and .dynsym,
 * through libelf) of the files processes map, each file read once and known
 * by its path and build id. An address arrives as a build id and a file
 * offset (the stack map's BPF_F_STACK_BUILD_ID form, good after the process
 * has gone) or as a process and an address in it (what the kernel gives when
 * it could not read the build id); both become a file and an offset. */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/elfsyms.h"
#include "common/util.h"
#include "rt.h"

enum { BUILD_ID_MAX = 20 };

typedef struct UFile {
	char *path;		/* NULL: a build id no mapped file has (asked before) */
	ElfFuncs funcs;		/* sorted by file offset; its build id is the file's */
} UFile;

typedef struct USyms {
	UFile *files;
	size_t n;
} USyms;

static USyms *usyms(Rt *rt)
{
	if (!rt->usyms)
		rt->usyms = xcalloc(1, sizeof(USyms));
	return rt->usyms;
}

/* Build id and functions of an ELF file; a file that is not one is kept
 * too, with none, so that it is read once. */
static void read_elf(UFile *f)
{
	const char *why;
	if (elffuncs_read(f->path, &f->funcs, &why) < 0)
		return;
	if (f->funcs.n)
		qsort(f->funcs.syms, f->funcs.n, sizeof *f->funcs.syms, elfsym_by_offset);
}

static UFile *file_add(USyms *U, const char *path, const uint8_t *id, size_t idlen)
{
	U->files = xgrow(U->files, U->n, sizeof *U->files);
	UFile *f = &U->files[U->n++];
	*f = (UFile){ .path = path ? xstrdup(path) : NULL, .funcs.idlen = idlen };
	if (idlen)
		memcpy(f->funcs.build_id, id, idlen);
	if (path)
		read_elf(f);
	return f;
}

/* An index: adding files moves them. */
static size_t file_by_path(USyms *U, const char *path)
{
	for (size_t i = 0; i < U->n; i++)
		if (U->files[i].path && !strcmp(U->files[i].path, path))
			return i;
	file_add(U, path, NULL, 0);
	return U->n - 1;
}

/* Files with a build id: known by it (or known to be missing). */
static UFile *file_by_id(USyms *U, const uint8_t *id, int missing_too)
{
	for (size_t i = 0; i < U->n; i++) {
		UFile *f = &U->files[i];
		if (f->funcs.idlen && !memcmp(f->funcs.build_id, id, f->funcs.idlen) &&
		    (f->path || missing_too))
			return f;
	}
	return NULL;
}

/* Each file a process maps, read once; the first mapping holding addr, if
 * any, gives *f and the file offset of addr. */
static int scan_maps(USyms *U, int pid, uint64_t addr, UFile **f, uint64_t *off)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int found = 0;
	size_t at_file = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *m = fopen(path, "re");
	if (!m)
		return 0;
	while (getline(&line, &cap, m) > 0) {
		uint64_t start, end, pgoff;
		int at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*u %n", &start, &end,
			   &pgoff, &at) < 3 || !at || line[at] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		size_t i = file_by_path(U, line + at);
		if (!found && f && addr >= start && addr < end) {
			at_file = i, *off = addr - start + pgoff;
			found = 1;
		}
	}
	free(line);
	fclose(m);
	if (found)
		*f = &U->files[at_file];
	return found;
}

static void scan_all_maps(USyms *U)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			scan_maps(U, atoi(de->d_name), 0, NULL, NULL);
	if (d)
		closedir(d);
}

static void describe(const UFile *f, uint64_t off, char *buf, size_t size)
{
	const ElfSym *sym = f->funcs.syms;
	int lo = 0, hi = f->funcs.n;	/* the last function at or below off */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (sym[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		snprintf(buf, size, "%s+0x%" PRIx64 " (%s)", sym[lo - 1].name, off - sym[lo - 1].offset,
			 f->path);
	else
		snprintf(buf, size, "0x%" PRIx64 " (%s)", off, f->path);
}

void rt_usym_build_id(Rt *rt, int pid, const uint8_t id[20], uint64_t off, char *buf, size_t size)
{
	USyms *U = usyms(rt);
	UFile *f = file_by_id(U, id, 1);
	if (!f) {
		scan_maps(U, pid, 0, NULL, NULL);
		if (!(f = file_by_id(U, id, 0)))
			scan_all_maps(U);
		if (!(f = file_by_id(U, id, 0)))
			f = file_add(U, NULL, id, BUILD_ID_MAX);
	}
	if (f->path) {
		describe(f, off, buf, size);
		return;
	}
	int n = snprintf(buf, size, "0x%" PRIx64 " (build id ", off);
	for (int i = 0; i < BUILD_ID_MAX && n > 0 && (size_t)n + 3 < size; i++)
		n += snprintf(buf + n, size - n, "%02x", id[i]);
	if (n > 0 && (size_t)n + 2 < size)
		strcpy(buf + n, ")");
}

void rt_usym_ip(Rt *rt, int pid, uint64_t ip, char *buf, size_t size)
{
	UFile *f;
	uint64_t off;
	if (scan_maps(usyms(rt), pid, ip, &f, &off))
		describe(f, off, buf, size);
	else
		snprintf(buf, size, "0x%" PRIx64, ip);
}

/* CMD's program: its stacks then resolve after it exits even when no
 * other process maps it (`ktap -e '...' -- ./prog` printing at trace_end).
 * Read only when the script takes user stacks. The path is the one
 * /proc/PID/maps will show: symbolic links resolved. */
void rt_usyms_cmd(Rt *rt, const char *cmd_path)
{
	int user = 0;
	for (int i = 0; i < rt->nmaps && !user; i++)
		user = !strncmp(rt->maps[i].name, "ktap_ustack", 11);
	char *path = user ? realpath(cmd_path, NULL) : NULL;
	if (path)
		file_by_path(usyms(rt), path);
	free(path);
}

void rt_usyms_free(Rt *rt)
{
	USyms *U = rt->usyms;
	for (size_t i = 0; U && i < U->n; i++) {
		elfsyms_free(U->files[i].funcs.syms, U->files[i].funcs.n);
		free(U->files[i].path);
	}
	if (U)
		free(U->files);
	free(U);
	rt->usyms = NULL;
}

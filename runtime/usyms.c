/* User addresses as symbols: the ELF symbol tables (.symtab and .dynsym,
 * through libelf) of the files processes map, each file read once and known
 * by its path and build id. An address arrives as a build id and a file
 * offset (the stack map's BPF_F_STACK_BUILD_ID form, good after the process
 * has gone) or as a process and an address in it (what the kernel gives when
 * it could not read the build id); both become a file and an offset. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/util.h"
#include "rt.h"

enum { BUILD_ID_MAX = 20 };

typedef struct USym {
	uint64_t addr;
	char *name;
} USym;

typedef struct UFile {
	char *path;		/* NULL: a build id no mapped file has (asked before) */
	uint8_t id[BUILD_ID_MAX];
	size_t idlen;
	USym *syms;		/* functions by address */
	size_t nsyms;
	GElf_Phdr *loads;	/* PT_LOAD: file offsets to addresses */
	size_t nloads;
} UFile;

typedef struct USyms {
	UFile *files;
	size_t n, max;
} USyms;

static USyms *usyms(Rt *rt)
{
	if (!rt->usyms)
		rt->usyms = xcalloc(1, sizeof(USyms));
	return rt->usyms;
}

static int by_addr(const void *a, const void *b)
{
	const USym *x = a, *y = b;
	return (x->addr > y->addr) - (x->addr < y->addr);
}

static void read_build_id(UFile *f, Elf_Data *d)
{
	GElf_Nhdr nh;
	size_t off = 0, name, desc;
	while ((off = gelf_getnote(d, off, &nh, &name, &desc)) > 0)
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)d->d_buf + name, "GNU", 4)) {
			f->idlen = nh.n_descsz < BUILD_ID_MAX ? nh.n_descsz : BUILD_ID_MAX;
			memcpy(f->id, (char *)d->d_buf + desc, f->idlen);
		}
}

static void read_symbols(UFile *f, Elf *e, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; d && i < n; i++) {
		GElf_Sym s;
		const char *name;
		if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		if (GELF_ST_TYPE(s.st_info) != STT_FUNC && GELF_ST_TYPE(s.st_info) != STT_GNU_IFUNC)
			continue;
		if (!(name = elf_strptr(e, sh->sh_link, s.st_name)) || !*name)
			continue;
		f->syms = xrealloc(f->syms, (f->nsyms + 1) * sizeof *f->syms);
		f->syms[f->nsyms++] = (USym){ s.st_value, xstrdup(name) };
	}
}

/* Build id, loadable segments and functions of an ELF file; a file that is
 * not one is kept too, with none of them, so that it is read once. */
static void read_elf(UFile *f)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	Elf *e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	size_t nph = 0;
	if (e && elf_kind(e) == ELF_K_ELF && !elf_getphdrnum(e, &nph)) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				f->loads = xrealloc(f->loads, (f->nloads + 1) * sizeof *f->loads);
				f->loads[f->nloads++] = ph;
			}
		}
		for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			if (sh.sh_type == SHT_NOTE)
				read_build_id(f, elf_getdata(scn, NULL));
			else if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
				read_symbols(f, e, scn, &sh);
		}
		if (f->nsyms)
			qsort(f->syms, f->nsyms, sizeof *f->syms, by_addr);
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
}

static UFile *file_add(USyms *U, const char *path, const uint8_t *id, size_t idlen)
{
	if (U->n == U->max) {
		U->max = U->max ? 2 * U->max : 64;
		U->files = xrealloc(U->files, U->max * sizeof *U->files);
	}
	UFile *f = &U->files[U->n++];
	*f = (UFile){ .path = path ? xstrdup(path) : NULL, .idlen = idlen };
	if (idlen)
		memcpy(f->id, id, idlen);
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
		if (f->idlen && !memcmp(f->id, id, f->idlen) && (f->path || missing_too))
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
	uint64_t addr = off;
	int mapped = 0;
	for (size_t i = 0; i < f->nloads && !mapped; i++)
		if (off >= f->loads[i].p_offset && off - f->loads[i].p_offset < f->loads[i].p_filesz)
			addr = off - f->loads[i].p_offset + f->loads[i].p_vaddr, mapped = 1;
	size_t lo = 0, hi = f->nsyms;	/* the last function at or below addr */
	while (mapped && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (mapped && lo)
		snprintf(buf, size, "%s+0x%" PRIx64 " (%s)", f->syms[lo - 1].name,
			 addr - f->syms[lo - 1].addr, f->path);
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
		for (size_t k = 0; k < U->files[i].nsyms; k++)
			free(U->files[i].syms[k].name);
		free(U->files[i].syms);
		free(U->files[i].loads);
		free(U->files[i].path);
	}
	if (U)
		free(U->files);
	free(U);
	rt->usyms = NULL;
}

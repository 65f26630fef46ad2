/* Functions of an ELF file through libelf. Uprobes take file offsets, and
 * a symbol holds a virtual address: the loadable segment that holds it
 * converts one to the other. Static functions are in .symtab only,
 * exported ones in .dynsym (all a stripped library has): both are read. */
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "elfsyms.h"
#include "util.h"

/* The file offset of vaddr in a loadable segment with all of `flags`
 * (PF_X: code), else 0 (none). */
static uint64_t file_offset(Elf *e, uint64_t vaddr, unsigned flags)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & flags) == flags &&
		    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

static void add_table(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, ElfFuncs *f)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	for (size_t i = 0; d && sh->sh_entsize && i < sh->sh_size / sh->sh_entsize; i++) {
		GElf_Sym s;
		int type = gelf_getsym(d, i, &s) ? GELF_ST_TYPE(s.st_info) : STT_NOTYPE;
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || !s.st_value)
			continue;
		const char *name = elf_strptr(e, sh->sh_link, s.st_name);
		uint64_t off = file_offset(e, s.st_value, PF_X);
		if (!name || !*name || !off)
			continue;
		f->syms = xgrow(f->syms, f->n, sizeof *f->syms);
		f->syms[f->n++] = (ElfSym){ xstrdup(name), off, type == STT_GNU_IFUNC };
	}
}

static void read_build_id(ElfFuncs *f, Elf_Data *d)
{
	GElf_Nhdr nh;
	size_t off = 0, name, desc;
	while (d && (off = gelf_getnote(d, off, &nh, &name, &desc)) > 0)
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)d->d_buf + name, "GNU", 4)) {
			f->idlen = nh.n_descsz < sizeof f->build_id ? nh.n_descsz : sizeof f->build_id;
			memcpy(f->build_id, (char *)d->d_buf + desc, f->idlen);
		}
}

/* path opened as ELF (*fd to close after elf_end), or NULL with *why. */
static Elf *elf_open(const char *path, int *fd, const char **why)
{
	struct stat st;
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0) {
		*why = "cannot be opened";
		return NULL;
	}
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {	/* a fifo or a device would block or never end */
		close(*fd);
		*why = "is not a regular file";
		return NULL;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(*fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		close(*fd);
		*why = "is not an ELF file";
		return NULL;
	}
	return e;
}

int elffuncs_read(const char *path, ElfFuncs *out, const char **why)
{
	*out = (ElfFuncs){ 0 };
	int fd;
	Elf *e = elf_open(path, &fd, why);
	if (!e)
		return -1;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			add_table(e, scn, &sh, out);
		else if (sh.sh_type == SHT_NOTE)
			read_build_id(out, elf_getdata(scn, NULL));
	}
	elf_end(e);
	close(fd);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const ElfSym *)a)->name, ((const ElfSym *)b)->name);
}

int elfsym_by_offset(const void *a, const void *b)
{
	uint64_t x = ((const ElfSym *)a)->offset, y = ((const ElfSym *)b)->offset;
	return (x > y) - (x < y);
}

int elfsyms_read(const char *path, ElfSym **out, const char **why)
{
	ElfFuncs f;
	*out = NULL;
	if (elffuncs_read(path, &f, why) < 0)
		return -1;
	if (f.n)
		qsort(f.syms, f.n, sizeof *f.syms, by_name);
	int k = 0;	/* each name once (a function is in both tables), no resolvers */
	for (int i = 0; i < f.n; i++) {
		if (f.syms[i].ifunc || (k && !strcmp(f.syms[k - 1].name, f.syms[i].name))) {
			free(f.syms[i].name);
			continue;
		}
		f.syms[k++] = f.syms[i];
	}
	*out = f.syms;
	return k;
}

void elfsyms_free(ElfSym *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

/* The address of section `name`, or 0 when there is none. */
static uint64_t section_addr(Elf *e, const char *name)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (n && !strcmp(n, name))
			return sh.sh_addr;
	}
	return 0;
}

/* One stapsdt note's descriptor: pc, base and semaphore (addresses of the
 * ELF class's width), then provider, name and arguments, each ended by a
 * NUL. The addresses are the link-time ones: a prelinked file moved
 * .stapsdt.base, and moved its probes as far. */
static int sdt_note(Elf *e, const char *desc, size_t size, uint64_t base, ElfSdt *out)
{
	size_t w = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
	uint64_t a[3] = { 0 };
	if (size < 3 * w + 3 || desc[size - 1])
		return -1;
	for (int i = 0; i < 3; i++) {
		uint32_t v32;
		if (w == 4) {
			memcpy(&v32, desc + i * w, 4);
			a[i] = v32;
		} else {
			memcpy(&a[i], desc + i * w, 8);
		}
	}
	const char *p = desc + 3 * w, *end = desc + size;
	const char *provider = p, *name = provider + strlen(provider) + 1;
	const char *args = name < end ? name + strlen(name) + 1 : end;
	if (args >= end)
		return -1;
	uint64_t shift = base ? base - a[1] : 0;
	*out = (ElfSdt){ xstrdup(provider), xstrdup(name), xstrdup(args),
			 file_offset(e, a[0] + shift, PF_X), a[2] ? a[2] + shift : 0 };
	if (a[2])
		out->semaphore = file_offset(e, out->semaphore, PF_W);
	return out->offset && (!a[2] || out->semaphore) ? 0 : -1;
}

static void add_sdt(Elf *e, Elf_Data *d, uint64_t base, ElfSdt **v, int *n)
{
	GElf_Nhdr nh;
	size_t off = 0, name, desc;
	while (d && (off = gelf_getnote(d, off, &nh, &name, &desc)) > 0) {
		ElfSdt s;
		if (nh.n_type != 3 || nh.n_namesz != 8 || memcmp((char *)d->d_buf + name, "stapsdt", 8) ||
		    sdt_note(e, (char *)d->d_buf + desc, nh.n_descsz, base, &s) < 0)
			continue;
		*v = xgrow(*v, *n, sizeof **v);
		(*v)[(*n)++] = s;
	}
}

int elfsdt_read(const char *path, ElfSdt **out, const char **why)
{
	int fd, n = 0;
	*out = NULL;
	Elf *e = elf_open(path, &fd, why);
	if (!e)
		return -1;
	uint64_t base = section_addr(e, ".stapsdt.base");
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE)
			add_sdt(e, elf_getdata(scn, NULL), base, out, &n);
	}
	elf_end(e);
	close(fd);
	return n;
}

void elfsdt_free(ElfSdt *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].provider);
		free(s[i].name);
		free(s[i].args);
	}
	free(s);
}

/* The dynamic linker's trusted directories on Debian's x86_64 (its
 * ld.so.conf.d lists the /usr/local ones first), in its order. */
static const char *const lib_dirs[] = {
	"/usr/local/lib/x86_64-linux-gnu", "/usr/local/lib", "/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

static int is_elf(const char *path)
{
	char magic[4];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	int ok = fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 &&
		 !memcmp(magic, ELFMAG, 4);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* In dir: `base` when it names a version ("libc.so.6"), else base.so or,
 * as a program linked with -lbase would have found it, the shortest
 * base.so.N (libc.so is a linker script, not ELF). */
static char *find_in(const char *dir, const char *base)
{
	char *path = xasprintf("%s/%s", dir, base);
	if (strstr(base, ".so"))
		return is_elf(path) ? path : (free(path), NULL);
	free(path);
	DIR *d = opendir(dir);
	char *best = NULL;
	size_t len = strlen(base);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (strncmp(de->d_name, base, len) || strncmp(de->d_name + len, ".so", 3) ||
		    (de->d_name[len + 3] && de->d_name[len + 3] != '.'))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (is_elf(path) && (!best || strlen(path) < strlen(best) ||
				     (strlen(path) == strlen(best) && strcmp(path, best) < 0))) {
			free(best);
			best = path;
		} else {
			free(path);
		}
	}
	if (d)
		closedir(d);
	return best;
}

char *elfsyms_library(const char *name)
{
	char *lib = strncmp(name, "lib", 3) ? xasprintf("lib%s", name) : NULL;
	char *found = NULL;
	for (size_t i = 0; !found && i < sizeof lib_dirs / sizeof *lib_dirs; i++) {
		found = find_in(lib_dirs[i], name);
		if (!found && lib)
			found = find_in(lib_dirs[i], lib);
	}
	free(lib);
	return found;
}

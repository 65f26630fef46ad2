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

/* The file offset of vaddr: in an executable segment, else 0 (none). */
static uint64_t file_offset(Elf *e, uint64_t vaddr)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X) &&
		    vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz)
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
		uint64_t off = file_offset(e, s.st_value);
		if (!name || !*name || !off)
			continue;
		f->syms = xrealloc(f->syms, (f->n + 1) * sizeof *f->syms);
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

int elffuncs_read(const char *path, ElfFuncs *out, const char **why)
{
	*out = (ElfFuncs){ 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*why = "cannot be opened";
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {	/* a fifo or a device would block or never end */
		close(fd);
		*why = "is not a regular file";
		return -1;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int rc = 0;
	if (!e || elf_kind(e) != ELF_K_ELF) {
		*why = "is not an ELF file";
		rc = -1;
	}
	for (Elf_Scn *scn = NULL; rc == 0 && (scn = elf_nextscn(e, scn));) {
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
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const ElfSym *)a)->name, ((const ElfSym *)b)->name);
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

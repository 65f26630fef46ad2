/* The object file, made with libelf: a relocatable little-endian ELF64
 * for EM_BPF in the form libbpf 1.x loads (see docs/object-format.md).
 * libelf writes to a memory file, whose bytes are the image; a file, a
 * device or a pipe then gets them by common/outfile.c. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../btf/btf.h"
#include "../../common/outfile.h"

/* A section being built; all NULL after libelf failed. */
typedef struct Sec {
	size_t ndx;
	Elf64_Shdr *sh;
	Elf_Data *data;
} Sec;

typedef struct W {
	const ObjFile *o;
	Diag *d;
	ObjPlace pl;
	Elf *e;
	int failed;		/* an error was reported */
	Buf str;		/* .strtab: section and symbol names */
	Buf syms;		/* Elf64_Sym */
	int nlocal;
	void **keep;		/* section contents to free after writing */
	int nkeep;
	size_t *code_ndx;	/* per ObjSec: its section index */
	struct bpf_insn **code;	/* per ObjSec: its instructions */
	Sec strtab, symtab;
	uint32_t *code_sym;	/* per prog: its symbol */
	size_t data_ndx[DATA_NSEC];
	uint32_t data_sym[DATA_NSEC];
	uint32_t text_sym;	/* .text's section symbol: function addresses refer to it */
	size_t maps_ndx;
	uint32_t *map_sym;
	uint32_t kfunc_sym[KF_END_ - KF_BASE];	/* per kfunc called: its undefined symbol */
} W;

static void *keep(W *w, void *p)
{
	w->keep = xrealloc(w->keep, (w->nkeep + 1) * sizeof(*w->keep));
	w->keep[w->nkeep++] = p;
	return p;
}

/* Reports libelf's last error; returns -1. */
static int elf_fail(W *w)
{
	if (!w->failed)
		diag_error(w->d, DC_OBJECT_FILE, (Loc){0}, "cannot make the object file: libelf: %s", elf_errmsg(-1));
	w->failed = 1;
	return -1;
}

/* Reports a malformed ObjFile, the code generator's fault; returns -1. */
static int bug(W *w, const char *func, const char *what)
{
	diag_error(w->d, DC_INTERNAL, (Loc){0}, "internal compiler error: %s: %s", func, what);
	w->failed = 1;
	return -1;
}

static Sec add_sec(W *w, const char *name, Elf64_Word type, Elf64_Xword flags,
		   void *data, size_t size, size_t align)
{
	Elf_Scn *scn = elf_newscn(w->e);
	Sec s = { 0, NULL, scn ? elf_newdata(scn) : NULL };
	if (s.data)
		s.sh = elf64_getshdr(scn);
	if (!s.sh) {
		elf_fail(w);
		return (Sec){0};
	}
	s.ndx = elf_ndxscn(scn);
	s.data->d_buf = data;
	s.data->d_size = size;
	s.data->d_align = align;
	s.data->d_type = ELF_T_BYTE;
	s.data->d_version = EV_CURRENT;
	s.sh->sh_name = buf_addstr(&w->str, name);
	s.sh->sh_type = type;
	s.sh->sh_flags = flags;
	s.sh->sh_addralign = align;
	return s;
}

static uint32_t add_sym(W *w, const char *name, int bind, int type, size_t shndx,
			uint64_t value, uint64_t size)
{
	Elf64_Sym s = {
		.st_name = name ? buf_addstr(&w->str, name) : 0,
		.st_info = ELF64_ST_INFO(bind, type),
		.st_shndx = shndx,
		.st_value = value,
		.st_size = size,
	};
	buf_add(&w->syms, &s, sizeof(s));
	return w->syms.len / sizeof(s) - 1;
}

/* Program sections: the instructions of their functions, one after the other. */
static void code_secs(W *w)
{
	const ObjFile *o = w->o;
	w->code_ndx = xcalloc(w->pl.nsecs + 1, sizeof(*w->code_ndx));
	w->code = xcalloc(w->pl.nsecs + 1, sizeof(*w->code));
	for (int i = 0; i < w->pl.nsecs; i++) {
		const ObjSec *s = &w->pl.secs[i];
		struct bpf_insn *code = w->code[i] = keep(w, xcalloc(s->ninsns + 1, sizeof(*code)));
		for (int j = 0; j < s->nprogs; j++) {
			const ObjProg *p = &o->progs[s->progs[j]];
			if (p->ninsns)
				memcpy(code + w->pl.off[s->progs[j]], p->insns, p->ninsns * sizeof(*code));
		}
		w->code_ndx[i] = add_sec(w, s->name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
					 code, s->ninsns * sizeof(*code), 8).ndx;
	}
}

static void data_secs(W *w)
{
	const IrModule *mod = w->o->mod;
	if (mod->nmaps)
		w->maps_ndx = add_sec(w, ".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
				      keep(w, xcalloc(1, w->pl.maps_size)), w->pl.maps_size, 8).ndx;
	for (int i = 0; i < DATA_NSEC; i++) {
		const IrData *d = &mod->data[i];
		if (d->size <= 0)
			continue;
		if (i == DATA_BSS) {
			w->data_ndx[i] = add_sec(w, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
						 NULL, d->size, 8).ndx;
			continue;
		}
		uint8_t *bytes = keep(w, xcalloc(1, d->size));
		if (d->bytes)
			memcpy(bytes, d->bytes, d->size);
		w->data_ndx[i] = add_sec(w, data_sec_names[i], SHT_PROGBITS,
					 SHF_ALLOC | (i == DATA_DATA ? SHF_WRITE : 0), bytes, d->size, 8).ndx;
	}
	static char license[] = "GPL";
	add_sec(w, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, license, sizeof(license), 1);
}

/* Local symbols first, as ELF requires: data section symbols (what data
 * relocations refer to) and the static subprograms of .text. */
static void symbols(W *w)
{
	const ObjFile *o = w->o;
	const IrModule *mod = o->mod;
	w->code_sym = xcalloc(o->nprogs + 1, sizeof(*w->code_sym));
	w->map_sym = xcalloc(mod->nmaps + 1, sizeof(*w->map_sym));
	add_sym(w, NULL, STB_LOCAL, STT_NOTYPE, SHN_UNDEF, 0, 0);
	for (int i = 0; i < DATA_NSEC; i++)
		if (w->data_ndx[i])
			w->data_sym[i] = add_sym(w, NULL, STB_LOCAL, STT_SECTION, w->data_ndx[i], 0, 0);
	for (int s = 0; s < w->pl.nsecs; s++)
		if (!strcmp(w->pl.secs[s].name, ".text"))
			w->text_sym = add_sym(w, NULL, STB_LOCAL, STT_SECTION, w->code_ndx[s], 0, 0);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < o->nprogs; i++) {
			int s = w->pl.sec[i];
			const ObjProg *p = &o->progs[i];
			int global = s >= 0 && (strcmp(w->pl.secs[s].name, ".text") || p->func->global);
			if (s < 0 || global != pass)
				continue;
			w->code_sym[i] = add_sym(w, p->func->name, pass ? STB_GLOBAL : STB_LOCAL, STT_FUNC,
						 w->code_ndx[s], w->pl.off[i] * sizeof(struct bpf_insn),
						 p->ninsns * sizeof(struct bpf_insn));
		}
		if (!pass)
			w->nlocal = w->syms.len / sizeof(Elf64_Sym);
	}
	/* kfuncs: undefined and untyped, as clang makes an extern's */
	for (int i = 0; i < w->pl.nkfuncs; i++)
		w->kfunc_sym[w->pl.kfuncs[i] - KF_BASE] =
			add_sym(w, helper_name(w->pl.kfuncs[i]), STB_GLOBAL, STT_NOTYPE, SHN_UNDEF, 0, 0);
	for (int i = 0; i < mod->nmaps; i++)
		w->map_sym[i] = add_sym(w, mod->maps[i].name, STB_GLOBAL, STT_OBJECT, w->maps_ndx,
					w->pl.map_off[i], btf_map_def_size(&mod->maps[i]));
	for (int i = 0; i < DATA_NSEC; i++)
		for (int j = 0; j < mod->data[i].nvars; j++) {
			const IrVar *v = &mod->data[i].vars[j];
			if (w->data_ndx[i])
				add_sym(w, v->name, STB_GLOBAL, STT_OBJECT, w->data_ndx[i], v->off,
					v->layout ? v->layout->size : 0);
		}
}

/* One relocation of a kernel function; fixes the instruction the way
 * libbpf expects it: ld_imm64 with src_reg 0 (imm: the offset in a data
 * section), calls with src_reg BPF_PSEUDO_CALL and imm -1 against the
 * callee's symbol (libbpf: target = symbol offset / 8 + imm + 1). */
static int reloc(W *w, int k, const ObjReloc *r, struct bpf_insn *code, Buf *rels)
{
	const ObjFile *o = w->o;
	const ObjProg *p = &o->progs[k];
	const char *name = p->func->name;
	if (r->insn < 0 || r->insn >= p->ninsns)
		return bug(w, name, "relocation out of range");
	int at = w->pl.off[k] + r->insn;
	struct bpf_insn *in = &code[at];
	uint32_t sym, type = R_BPF_64_64;
	if (r->kind == REL_CALL) {
		if (r->target < 0 || r->target >= o->nprogs)
			return bug(w, name, "call of unknown function");
		int s = w->pl.sec[r->target];
		if (s < 0 || strcmp(w->pl.secs[s].name, ".text"))
			return bug(w, name, "calls a function that is not a kernel subprogram");
		if (in->code != (BPF_JMP | BPF_CALL))
			return bug(w, name, "call relocation on another instruction");
		in->src_reg = BPF_PSEUDO_CALL;
		in->imm = -1;
		sym = w->code_sym[r->target];
		type = R_BPF_64_32;
	} else if (r->kind == REL_KFUNC) {
		/* clang's form of an extern call, which libbpf makes a
		 * BPF_PSEUDO_KFUNC_CALL of the kernel's BTF id */
		if (!kfunc_proto(r->target) || in->code != (BPF_JMP | BPF_CALL))
			return bug(w, name, "kfunc relocation not on a call of a kfunc");
		in->src_reg = BPF_PSEUDO_CALL;
		in->imm = -1;
		sym = w->kfunc_sym[r->target - KF_BASE];
		type = R_BPF_64_32;
	} else if (r->kind == REL_FUNC) {
		/* libbpf: the callee is at the section symbol's offset + imm bytes */
		int s = r->target >= 0 && r->target < o->nprogs ? w->pl.sec[r->target] : -1;
		if (s < 0 || strcmp(w->pl.secs[s].name, ".text"))
			return bug(w, name, "takes the address of a function that is not a kernel subprogram");
		if (r->insn + 1 >= p->ninsns || in->code != (BPF_LD | BPF_IMM | BPF_DW))
			return bug(w, name, "function address relocation not on a ld_imm64");
		in->src_reg = BPF_PSEUDO_FUNC;
		in->imm = w->pl.off[r->target] * sizeof(struct bpf_insn);
		sym = w->text_sym;
	} else {
		if (r->insn + 1 >= p->ninsns || in->code != (BPF_LD | BPF_IMM | BPF_DW))
			return bug(w, name, "map relocation not on a ld_imm64");
		in->src_reg = 0;
		if (r->kind == REL_MAP && r->target >= 0 && r->target < o->mod->nmaps) {
			in->imm = 0;
			sym = w->map_sym[r->target];
		} else if (r->kind == REL_DATA && r->target >= 0 && r->target < DATA_NSEC &&
			   w->data_ndx[r->target]) {
			sym = w->data_sym[r->target];
		} else {
			return bug(w, name, "relocation against a missing map or data section");
		}
	}
	Elf64_Rel rel = { at * sizeof(struct bpf_insn), ELF64_R_INFO(sym, type) };
	buf_add(rels, &rel, sizeof(rel));
	return 0;
}

static void rel_secs(W *w)
{
	for (int i = 0; i < w->pl.nsecs; i++) {
		const ObjSec *s = &w->pl.secs[i];
		Buf rels = {0};
		for (int j = 0; j < s->nprogs; j++) {
			const ObjProg *p = &w->o->progs[s->progs[j]];
			for (int r = 0; r < p->nrelocs; r++)
				if (p->relocs[r].kind != REL_CORE && reloc(w, s->progs[j], &p->relocs[r], w->code[i], &rels) < 0) {
					buf_free(&rels);
					return;
				}
		}
		if (!rels.len)
			continue;
		char *name = xasprintf(".rel%s", s->name);
		Sec rel = add_sec(w, name, SHT_REL, 0, keep(w, rels.p), rels.len, 8);
		free(name);
		if (!rel.sh)
			return;
		rel.data->d_type = ELF_T_REL;
		rel.sh->sh_entsize = sizeof(Elf64_Rel);
		rel.sh->sh_link = w->symtab.ndx;
		rel.sh->sh_info = w->code_ndx[i];
	}
}

static void ktap_secs(W *w, const KtapMeta *m)
{
	KtapSection *secs;
	int n;
	ktapobj_write(m, &secs, &n);
	/* empty ones are left out: the reader takes a missing section as empty */
	for (int i = 0; i < n; i++)
		if (secs[i].size)
			add_sec(w, secs[i].name, SHT_PROGBITS, 0, keep(w, secs[i].data), secs[i].size, 8);
		else
			free(secs[i].data);
	free(secs);
}

static void user_secs(W *w)
{
	KtapMeta empty = {0}, *m = w->o->meta ? w->o->meta : &empty;
	if (obj_user_funcs(w->o, m, w->d) < 0)
		w->failed = 1;
	else
		ktap_secs(w, m);
	if (m == &empty)
		ktapobj_free(&empty);
}

static int header(W *w)
{
	Elf64_Ehdr *eh = elf64_newehdr(w->e);
	if (!eh)
		return elf_fail(w);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;
	buf_add(&w->str, "", 1);
	w->strtab = add_sec(w, ".strtab", SHT_STRTAB, 0, NULL, 0, 1);
	eh->e_shstrndx = w->strtab.ndx;
	return w->failed ? -1 : 0;
}

/* The string and symbol tables come last: every name is in them then. */
static void tables(W *w)
{
	w->symtab.data->d_buf = w->syms.p;
	w->symtab.data->d_size = w->syms.len;
	w->symtab.data->d_type = ELF_T_SYM;
	w->symtab.sh->sh_entsize = sizeof(Elf64_Sym);
	w->symtab.sh->sh_link = w->strtab.ndx;
	w->symtab.sh->sh_info = w->nlocal;
	w->strtab.data->d_buf = w->str.p;
	w->strtab.data->d_size = w->str.len;
}

static int build(W *w)
{
	if (header(w) < 0)
		return -1;
	code_secs(w);
	data_secs(w);
	Buf btf = {0}, ext = {0};
	btf_encode_obj(w->o, &w->pl, &btf, &ext);
	add_sec(w, ".BTF", SHT_PROGBITS, 0, keep(w, btf.p), btf.len, 4);
	/* libbpf refuses a .BTF.ext without records */
	if (w->pl.nsecs)
		add_sec(w, ".BTF.ext", SHT_PROGBITS, 0, keep(w, ext.p), ext.len, 4);
	else
		buf_free(&ext);
	if (!w->failed)
		user_secs(w);
	if (!w->failed) {
		symbols(w);
		w->symtab = add_sec(w, ".symtab", SHT_SYMTAB, 0, NULL, 0, 8);
	}
	if (!w->failed)
		rel_secs(w);
	if (w->failed)
		return -1;
	tables(w);
	return 0;
}

static void w_free(W *w)
{
	for (int i = 0; i < w->nkeep; i++)
		free(w->keep[i]);
	free(w->keep);
	free(w->code_ndx);
	free(w->code);
	free(w->code_sym);
	free(w->map_sym);
	buf_free(&w->str);
	buf_free(&w->syms);
	obj_place_free(&w->pl);
}

/* libelf lays the file out and writes it to fd; its bytes then go to img. */
static int image(W *w, int fd, Buf *img)
{
	if (!(w->e = elf_begin(fd, ELF_C_WRITE, NULL)))
		return elf_fail(w);
	if (build(w) < 0)
		return -1;
	off_t size = elf_update(w->e, ELF_C_WRITE);
	if (size < 0)
		return elf_fail(w);
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		diag_error(w->d, DC_OBJECT_FILE, (Loc){0}, "cannot make the object file: mmap: %s", strerror(errno));
		return -1;
	}
	buf_add(img, p, size);
	munmap(p, size);
	return 0;
}

int obj_elf_image(const ObjFile *o, Diag *d, Buf *img)
{
	W w = { .o = o, .d = d };
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(&w);
	/* libelf writes to a descriptor: a memory file touches no disk */
	int fd = memfd_create("ktap-elf", MFD_CLOEXEC);
	if (fd < 0) {
		diag_error(d, DC_OBJECT_FILE, (Loc){0}, "cannot make the object file: memfd_create: %s", strerror(errno));
		return -1;
	}
	obj_place(o, &w.pl);
	int rc = image(&w, fd, img);
	if (w.e)
		elf_end(w.e);
	close(fd);
	w_free(&w);
	return rc;
}

int obj_write_elf(const ObjFile *o, const char *path, Diag *d)
{
	Buf img = {0};
	int rc = obj_elf_image(o, d, &img);
	if (!rc && outfile_write(path, img.p, img.len) < 0) {
		diag_error(d, DC_DRIVER_WRITE, (Loc){0}, "cannot write '%s': %s", path, strerror(errno));
		rc = -1;
	}
	buf_free(&img);
	return rc;
}

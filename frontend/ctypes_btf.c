/* C types from BTF through libbpf's BTF API: the source of the kernel's
 * types, ffi.cast's declarators and member lookup with did-you-mean. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include "common/util.h"
#include "ctypes.h"

/* Point every id in t that is a module's own (from base_n on) delta further. */
static void move_ids(struct btf_type *t, uint32_t base_n, uint32_t delta)
{
#define MOVE(id) ((id) += (id) >= base_n ? delta : 0)
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_VAR: case BTF_KIND_TYPE_TAG:
	case BTF_KIND_DECL_TAG:
		MOVE(t->type);
		break;
	case BTF_KIND_ARRAY:
		MOVE(btf_array(t)->type);
		MOVE(btf_array(t)->index_type);
		break;
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(t); i++)
			MOVE(btf_members(t)[i].type);
		break;
	case BTF_KIND_FUNC_PROTO:
		MOVE(t->type);
		for (int i = 0; i < btf_vlen(t); i++)
			MOVE(btf_params(t)[i].type);
		break;
	case BTF_KIND_DATASEC:
		for (int i = 0; i < btf_vlen(t); i++)
			MOVE(btf_var_secinfos(t)[i].type);
		break;
	}
#undef MOVE
}

/* Each module's BTF is split BTF on the kernel's, its ids starting where
 * the kernel's end, so two modules' ids overlap: their types are copied
 * into one split BTF (libbpf 1.1 cannot append a split BTF). Names then
 * resolve in the kernel first, then in the modules in name order; the
 * objects' CO-RE relocations and tp_btf attach points name types, which
 * libbpf looks up in vmlinux and then the loaded modules' BTF. */
static struct btf *with_modules(struct btf *base, const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	struct btf *all = NULL;
	uint32_t base_n = btf__type_cnt(base);
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, ents[i]->d_name);
		struct btf *mod = ents[i]->d_name[0] == '.' || !strcmp(ents[i]->d_name, "vmlinux") ? NULL :
				  btf__parse_split(path, base);
		if (mod && !all)
			all = btf__new_empty_split(base);
		uint32_t first = all ? btf__type_cnt(all) : 0;
		for (uint32_t id = base_n; mod && id < btf__type_cnt(mod); id++)
			btf__add_type(all, mod, btf__type_by_id(mod, id));
		for (uint32_t id = first; mod && id < btf__type_cnt(all); id++)
			move_ids((struct btf_type *)btf__type_by_id(all, id), base_n, first - base_n);
		btf__free(mod);
		free(path);
		free(ents[i]);
	}
	free(n > 0 ? ents : NULL);
	return all ? all : base;
}

/* $KTAP_BTF: a file, the kernel's BTF alone; a directory, laid out as
 * /sys/kernel/btf: vmlinux and modules' split BTF beside it. */
static struct btf *load(const char *path)
{
	struct stat st;
	if (path && *path && (stat(path, &st) || !S_ISDIR(st.st_mode)))
		return btf__parse(path, NULL);
	struct btf *base;
	if (path && *path) {
		char *vmlinux = xasprintf("%s/vmlinux", path);
		base = btf__parse(vmlinux, NULL);
		free(vmlinux);
	} else {
		base = btf__load_vmlinux_btf();
		path = "/sys/kernel/btf";
	}
	return base ? with_modules(base, path) : NULL;
}

struct btf *ctypes_btf(const char **why)
{
	static struct btf *btf;
	static const char *err;
	static int tried;
	if (!tried) {
		tried = 1;
		const char *path = getenv("KTAP_BTF");
		btf = load(path);
		if (!btf) {
			err = path && *path ? "the BTF file named by KTAP_BTF cannot be read" :
			      "this kernel has no BTF (/sys/kernel/btf/vmlinux): typed kernel data "
			      "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y";
		}
	}
	*why = err;
	return btf;
}

uint32_t ctype_skip(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return id;
}

const char *ctype_name(const struct btf *btf, uint32_t id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	const char *kw = !t ? "" : btf_is_struct(t) ? "struct " : btf_is_union(t) ? "union " :
			 btf_is_any_enum(t) ? "enum " : "";
	if (t && btf_is_ptr(t))
		snprintf(buf, len, "%s *", ctype_name(btf, t->type, (char[128]){ 0 }, 128));
	else if (t && btf_is_array(t))
		snprintf(buf, len, "%s[%u]", ctype_name(btf, btf_array(t)->type, (char[128]){ 0 }, 128),
			 btf_array(t)->nelems);
	else if (t && btf_is_mod(t))
		return ctype_name(btf, t->type, buf, len);
	else
		snprintf(buf, len, "%s%s", kw, name && *name ? name : id ? "(anonymous)" : "void");
	return buf;
}

/* The next word or '*' of a declarator, into w; NULL at the end. */
static const char *next_word(const char *p, char *w, size_t len)
{
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	size_t n = 0;
	if (*p == '*') {
		w[n++] = *p++;
	} else {
		while (*p && (isalnum((unsigned char)*p) || *p == '_'))
			if (n + 1 < len)
				w[n++] = *p++;
			else
				p++;
		if (!n)
			w[n++] = *p++;	/* a character no declarator has: the caller says so */
	}
	w[n] = 0;
	return p;
}

static int is_qualifier(const char *w)
{
	return !strcmp(w, "const") || !strcmp(w, "volatile") || !strcmp(w, "restrict");
}

static int find_named(const struct btf *btf, const char *kw, const char *name)
{
	if (!strcmp(kw, "struct"))
		return btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (!strcmp(kw, "union"))
		return btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	if (!strcmp(kw, "enum"))
		return btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	return id > 0 ? id : btf__find_by_name_kind(btf, name, BTF_KIND_INT);
}

int ctype_parse(const struct btf *btf, const char *decl, uint32_t *pointee, int *user,
		char *err, size_t errlen)
{
	char w[128], base[128] = "";
	const char *kw = "";
	int stars = 0;
	*user = 0;
	for (const char *p = decl; (p = next_word(p, w, sizeof w));) {
		if (!strcmp(w, "*")) {
			stars++;
		} else if (!strcmp(w, "__user")) {
			*user = 1;
		} else if (is_qualifier(w)) {
			continue;
		} else if (stars || (!isalpha((unsigned char)w[0]) && w[0] != '_')) {
			snprintf(err, errlen, "'%s' is not a C type: unexpected '%s'", decl, w);
			return -1;
		} else if (!*kw && !*base && (!strcmp(w, "struct") || !strcmp(w, "union") ||
					       !strcmp(w, "enum"))) {
			kw = w[0] == 's' ? "struct" : w[0] == 'u' ? "union" : "enum";
		} else {	/* "unsigned long" is one name in BTF */
			size_t n = strlen(base);
			snprintf(base + n, sizeof base - n, "%s%s", n ? " " : "", w);
		}
	}
	if (!*base) {
		snprintf(err, errlen, "'%s' is not a C type: no type name", decl);
		return -1;
	}
	if (stars != 1) {
		snprintf(err, errlen, "'%s' must be a pointer to one type, like 'struct sock *'", decl);
		return -1;
	}
	int id = find_named(btf, kw, base);
	if (id <= 0) {
		snprintf(err, errlen, "unknown type '%s%s%s' (not in the kernel's BTF)", kw,
			 *kw ? " " : "", base);
		return -1;
	}
	*pointee = id;
	return 0;
}

/* The nearest name seen so far (as sema_scope.c's guess does). */
typedef struct Near {
	const char *best;
	int dist;
} Near;

static int find_in(const struct btf *btf, uint32_t sid, const char *name, CMember *m, int depth,
		   Near *near)
{
	const struct btf_type *t = btf__type_by_id(btf, sid);
	const struct btf_member *mem = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mem++) {
		const char *mname = btf__name_by_offset(btf, mem->name_off);
		m->idx[depth] = i;
		if (mname && *mname) {
			int d = edit_distance(name, mname);
			if (d < near->dist) {
				near->best = mname;
				near->dist = d;
			}
			if (strcmp(mname, name))
				continue;
			m->n = depth + 1;
			m->type = mem->type;
			m->bit_off = btf_member_bit_offset(t, i);
			m->bit_size = btf_member_bitfield_size(t, i);
			return 0;
		}
		const struct btf_type *mt = btf__type_by_id(btf, ctype_skip(btf, mem->type));
		if (depth + 1 < CT_MAXDEPTH && mt && btf_is_composite(mt) &&
		    !find_in(btf, ctype_skip(btf, mem->type), name, m, depth + 1, near)) {
			m->bit_off += btf_member_bit_offset(t, i);
			return 0;
		}
	}
	return -1;
}

int ctype_member(const struct btf *btf, uint32_t sid, const char *name, CMember *m,
		 const char **near)
{
	int len = strlen(name);
	Near nr = { NULL, len / 3 > 1 ? len / 3 + 1 : 2 };
	memset(m, 0, sizeof(*m));
	int r = find_in(btf, sid, name, m, 0, &nr);
	*near = nr.best;
	return r;
}

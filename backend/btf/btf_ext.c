/* .BTF.ext: function and line info for the kernel sections, so that the
 * verifier's log and `bpftool prog dump` show script lines. In the object
 * file insn_off counts bytes from the start of the section; libbpf turns it
 * into instruction indexes when it loads. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include "btf.h"

/* Not in the uapi headers: the layout libbpf and the kernel docs describe. */
struct ext_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

struct ext_sec {
	uint32_t sec_name_off, num_info;
};

enum { MAX_LINE = (1 << 22) - 1, MAX_COL = (1 << 10) - 1 };

int btf_prog_lines(const ObjProg *p, ObjLine **out)
{
	ObjLine *v = xcalloc(p->nlines + 1, sizeof(*v));
	int n = 0;
	if (p->ninsns > 0 && (!p->nlines || p->lines[0].insn > 0))
		v[n++] = (ObjLine){ 0, p->func->line, 0 };
	for (int i = 0; i < p->nlines; i++) {
		ObjLine l = p->lines[i];
		/* code 0 is the second half of a ld_imm64 */
		if (l.insn < 0 || l.insn >= p->ninsns || !p->insns[l.insn].code)
			continue;
		if (n && l.insn == v[n - 1].insn)
			v[n - 1] = l;
		else if (!n || l.insn > v[n - 1].insn)
			v[n++] = l;
	}
	*out = v;
	return n;
}

/* The source's lines, their texts added to the BTF strings on first use. */
typedef struct Src {
	const char *text;
	const char **start;
	int n;
	uint32_t *str;		/* string offset + 1, or 0 if not added yet */
} Src;

static void src_init(Src *s, const char *text)
{
	memset(s, 0, sizeof(*s));
	s->text = text ? text : "";
	int cap = 1;
	for (const char *p = s->text; *p; p++)
		cap += *p == '\n';
	s->start = xcalloc(cap, sizeof(*s->start));
	s->str = xcalloc(cap, sizeof(*s->str));
	s->start[s->n++] = s->text;
	for (const char *p = s->text; *p; p++)
		if (*p == '\n')
			s->start[s->n++] = p + 1;
}

static uint32_t src_line(Src *s, Btf *b, int line)
{
	if (line < 1 || line > s->n)
		return 0;
	if (!s->str[line - 1]) {
		const char *p = s->start[line - 1];
		char *t = xstrndup(p, strcspn(p, "\r\n"));
		s->str[line - 1] = btf_str(b, t) + 1;
		free(t);
	}
	return s->str[line - 1] - 1;
}

static void src_free(Src *s)
{
	free(s->start);
	free(s->str);
}

static void sec_lines(Btf *b, Src *src, uint32_t file, const ObjFile *o, const ObjPlace *pl,
		      const ObjSec *s, Buf *li)
{
	size_t head = li->len;
	struct ext_sec h = { btf_str(b, s->name), 0 };
	buf_add(li, &h, sizeof(h));
	for (int i = 0; i < s->nprogs; i++) {
		int k = s->progs[i];
		ObjLine *v;
		int n = btf_prog_lines(&o->progs[k], &v);
		for (int j = 0; j < n; j++) {
			int line = v[j].line < 0 ? 0 : v[j].line > MAX_LINE ? MAX_LINE : v[j].line;
			int col = v[j].col < 0 ? 0 : v[j].col > MAX_COL ? MAX_COL : v[j].col;
			struct bpf_line_info r = {
				.insn_off = (pl->off[k] + v[j].insn) * sizeof(struct bpf_insn),
				.file_name_off = file,
				.line_off = src_line(src, b, line),
				.line_col = (uint32_t)line << 10 | col,
			};
			buf_add(li, &r, sizeof(r));
		}
		h.num_info += n;
		free(v);
	}
	memcpy(li->p + head, &h, sizeof(h));
}

void btf_encode_ext(Btf *b, const ObjFile *o, const ObjPlace *pl, const uint32_t *funcs, Buf *ext)
{
	Buf fi = {0}, li = {0};
	uint32_t size = sizeof(struct bpf_func_info);
	buf_add(&fi, &size, 4);
	size = sizeof(struct bpf_line_info);
	buf_add(&li, &size, 4);
	uint32_t file = btf_str(b, o->source_name ? o->source_name : "<stdin>");
	Src src;
	src_init(&src, o->source_text);
	for (int i = 0; i < pl->nsecs; i++) {
		const ObjSec *s = &pl->secs[i];
		struct ext_sec h = { btf_str(b, s->name), s->nprogs };
		buf_add(&fi, &h, sizeof(h));
		for (int j = 0; j < s->nprogs; j++) {
			int k = s->progs[j];
			struct bpf_func_info r = { pl->off[k] * sizeof(struct bpf_insn), funcs[k] };
			buf_add(&fi, &r, sizeof(r));
		}
		sec_lines(b, &src, file, o, pl, s, &li);
	}
	src_free(&src);
	Buf core = {0};
	btf_encode_core(b, o, pl, &core);
	struct ext_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		/* without CO-RE relocations, the header as before them */
		.hdr_len = core.len ? sizeof(h) : offsetof(struct ext_header, core_relo_off),
		.func_info_off = 0,
		.func_info_len = fi.len,
		.line_info_off = fi.len,
		.line_info_len = li.len,
		.core_relo_off = fi.len + li.len,
		.core_relo_len = core.len,
	};
	buf_add(ext, &h, h.hdr_len);
	buf_add(ext, fi.p, fi.len);
	buf_add(ext, li.p, li.len);
	buf_add(ext, core.p, core.len);
	buf_free(&fi);
	buf_free(&li);
	buf_free(&core);
}

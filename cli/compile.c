/* The pipeline: parse, check, lower, optimize, select instructions, write. */
#include <stdlib.h>
#include "compile.h"
#include "../frontend/ast.h"
#include "../frontend/sema.h"
#include "../ir/lower.h"
#include "../backend/bpf/bpf.h"

static int backend(const Source *src, Program *prog, const CompileOptions *opt, Diag *d, FILE *out)
{
	LowerOptions lo = { opt->strlen ? opt->strlen : 64, opt->ringbuf_size ? opt->ringbuf_size : 256 * 1024,
			    src->name, opt->no_pid_filter };
	IrModule *mod;
	KtapMeta *meta;
	int rc = 1;
	if (lower_program(prog, &lo, d, &mod, &meta) < 0)
		goto out;
	char err[256];
	const IrFunc *bad = ir_run_passes(mod, opt->after, err, sizeof(err));
	if (bad) {
		diag_error(d, DC_INTERNAL, ((Loc){ bad->line, 1, bad->line, 1 }), "internal compiler error: %s", err);
		goto out;
	}
	if (opt->emit == EMIT_IR) {
		ir_print_module(out, mod);
		rc = 0;
		goto out;
	}
	ObjFile obj = { .mod = mod, .meta = meta, .source_name = src->name, .source_text = src->text };
	if (bpf_compile(&obj, d) == 0) {
		rc = 0;
		if (opt->emit == EMIT_ASM)
			for (int i = 0; i < obj.nprogs; i++)
				bpf_print_prog(out, &obj, &obj.progs[i], src);
		else if (opt->emit == EMIT_OBJ && opt->image)
			rc = obj_elf_image(&obj, d, opt->image) < 0;
		else if (opt->emit == EMIT_OBJ)
			rc = obj_write_elf(&obj, opt->output, d) < 0;
	}
	obj_free_progs(&obj);
out:
	ir_module_free(mod);
	ktapobj_free(meta);
	free(meta);
	return rc;
}

int compile_source(const Source *src, const CompileOptions *opt, Diag *d, FILE *out)
{
	Node *root = parse_source(src, d);
	if (!root)
		return 1;
	int rc;
	if (opt->emit == EMIT_AST) {	/* the tree as recovered, errors or not */
		ast_print(out, root);
		rc = diag_errors(d) > 0;
	} else if (diag_errors(d)) {	/* after syntax errors, sema would mostly repeat them */
		rc = 1;
	} else {
		SemaOptions so = { opt->strlen ? opt->strlen : SEMA_STRLEN,
				   opt->table_size ? opt->table_size : SEMA_TABLE_SIZE,
				   opt->unsafe_limits, opt->emit == EMIT_NONE };
		Program *prog = sema_check(root, d, &so);
		rc = diag_errors(d) > 0;
		if (!rc && opt->emit != EMIT_NONE)
			rc = backend(src, prog, opt, d, out);
		program_free(prog);
	}
	ast_free(root);
	return rc;
}

/* One line of documentation for every built-in name a script can use: the
 * functions of sema's table (module ones as "timer.tick") and the built-in
 * variables. The language server's hover and completion read it; a unit
 * test keeps it in step with sema's table. */
#ifndef KTAP_BUILTIN_DOCS_H
#define KTAP_BUILTIN_DOCS_H

typedef struct BuiltinDoc {
	const char *name;	/* "print", "timer.tick", "pid" */
	const char *signature;	/* "print(v, ...)"; a variable's is its name */
	const char *doc;	/* one sentence */
	int is_var;		/* a built-in variable, not a function */
} BuiltinDoc;

/* The entry for name, or NULL. */
const BuiltinDoc *builtin_doc(const char *name);
/* The i-th entry (in the table's order), or NULL past the end. */
const BuiltinDoc *builtin_doc_at(int i);

#endif

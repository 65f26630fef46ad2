/* Scopes: declarations, lookup, and "did you mean" for unknown names. */
#include <stdlib.h>
#include <string.h>
#include "common/util.h"
#include "sema_int.h"

void scope_push(Sema *S, Func *f)
{
	Scope *sc = xcalloc(1, sizeof *sc);
	sc->up = S->scope;
	sc->func = f;
	S->scope = sc;
}

void scope_free(Scope *sc)
{
	free(sc->syms);
	free(sc);
}

void scope_pop(Sema *S)
{
	Scope *sc = S->scope;
	S->scope = sc->up;
	scope_free(sc);
}

static Symbol *find_in(Scope *sc, const char *name)
{
	for (int i = 0; i < sc->n; i++)
		if (!strcmp(sc->syms[i]->name, name))
			return sc->syms[i];
	return NULL;
}

Symbol *scope_lookup(Sema *S, const char *name, Scope **where)
{
	for (Scope *sc = S->scope; sc; sc = sc->up) {
		Symbol *s = find_in(sc, name);
		if (s) {
			if (where)
				*where = sc;
			return s;
		}
	}
	return NULL;
}

static void add_local(Func *f, Symbol *s)
{
	s->index = f->nlocals;
	f->locals = xrealloc(f->locals, (f->nlocals + 1) * sizeof *f->locals);
	f->locals[f->nlocals++] = s;
}

/* Put the existing symbol s, declared by `name`, in the current scope. */
void scope_add(Sema *S, Node *name, Symbol *s)
{
	Scope *sc = S->scope;
	Symbol *old = NULL;
	for (int i = 0; i < sc->n; i++)	/* the earliest in the text */
		if (!strcmp(sc->syms[i]->name, s->name) && (!old || sc->syms[i]->loc.line < old->loc.line ||
		    (sc->syms[i]->loc.line == old->loc.line && sc->syms[i]->loc.col < old->loc.col)))
			old = sc->syms[i];
	if (old) {	/* hoisted functions may come later in the text */
		Loc first = old->loc, again = name->loc;
		if (again.line < first.line || (again.line == first.line && again.col < first.col)) {
			first = name->loc;
			again = old->loc;
		}
		diag_error(S->d, DC_REDECLARATION, again, "redeclaration of '%s'", s->name);
		if (first.line)
			diag_note(S->d, first, "'%s' was first declared here", s->name);
		else
			diag_note(S->d, first, "'%s' is predeclared", s->name);
	}
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 8;
		sc->syms = xrealloc(sc->syms, sc->cap * sizeof *sc->syms);
	}
	sc->syms[sc->n++] = s;
	name->sym = s;
	name->type = s->type;
}

/* A new symbol for the N_NAME `name`: a global, or a local of f. */
Symbol *symbol_new(Sema *S, Node *name, SymKind kind, Func *f)
{
	Symbol *s = xcalloc(1, sizeof *s);
	s->kind = kind;
	s->name = name->str;
	s->loc = name->loc;
	s->type = type_var(S, name->loc);
	VEC_PUSH(S->syms, s);
	if (kind == SYM_GLOBAL) {
		Program *p = &S->prog;
		s->index = p->nglobals;
		p->globals = xrealloc(p->globals, (p->nglobals + 1) * sizeof *p->globals);
		p->globals[p->nglobals++] = s;
	} else if (kind == SYM_LOCAL) {
		add_local(f, s);
	}
	return s;
}

/* Declare the N_NAME `name` in the current scope: a global in the root
 * scope, a local of the current Func elsewhere. */
Symbol *scope_declare(Sema *S, Node *name, SymKind kind)
{
	Symbol *s = symbol_new(S, name, kind, S->scope->func);
	scope_add(S, name, s);
	return s;
}

typedef struct Guess {
	const char *want, *best;
	int dist;
} Guess;

static void consider(Guess *g, const char *name)
{
	int d = edit_distance(g->want, name);
	if (d < g->dist) {
		g->best = name;
		g->dist = d;
	}
}

/* The visible name closest to an undeclared one, or NULL. */
const char *scope_guess(Sema *S, const char *name)
{
	int len = strlen(name);
	Guess g = { name, NULL, (len / 3 > 1 ? len / 3 : 1) + 1 };	/* must beat this */
	if (g.dist > 3)
		g.dist = 3;
	for (Scope *sc = S->scope; sc; sc = sc->up)
		for (int i = 0; i < sc->n; i++)
			consider(&g, sc->syms[i]->name);
	const char *bname;
	for (int i = 0; builtin_function_name(i, &bname); i++)
		consider(&g, bname);
	for (int i = 0; i < B_COUNT; i++)
		consider(&g, builtin_names[i]);
	return g.best;
}

/* Report an undeclared name, with the closest visible name as a hint. */
void scope_suggest(Sema *S, Loc loc, const char *name)
{
	const char *best = scope_guess(S, name);
	if (best) {
		diag_error(S->d, DC_UNDECLARED, loc, "use of undeclared name '%s'; did you mean '%s'?", name, best);
		diag_fixit(S->d, loc, best);
	} else
		diag_error(S->d, DC_UNDECLARED, loc, "use of undeclared name '%s' (declare it with 'var %s')", name, name);
}

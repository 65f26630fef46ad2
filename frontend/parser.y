/* The ktap grammar (docs/language.md section 3). Builds the AST of ast.h; syntax
 * errors are reported through diag with gcc-like "expected X before Y"
 * messages, and recovery happens at statement level so that every error of
 * a file is reported. The lexer (lexer.l) handles the raw text after
 * `trace`, `tick` and `profile`. */

%define api.pure full
%define api.location.type {Loc}
%define parse.error custom
%define parse.lac full
%define lr.default-reduction accepting
%locations
%parse-param {Lexer *lx}
%lex-param {Lexer *lx}

%code requires {
#include "ast.h"
#include "../common/util.h"

/* A string token's bytes (it may hold NULs). */
typedef struct LexStr {
	char *s;
	size_t len;
} LexStr;

/* An open bracket, for "to match this '{'" notes. */
typedef struct Open {
	int ch;
	Loc loc;
} Open;

/* State shared by the lexer and the parser of one source. */
typedef struct Lexer {
	void *scanner;
	const Source *src;
	Diag *diag;
	Node *root;
	int line, col;		/* where the next character is */
	int tok_line, tok_col;	/* where the current match started */
	size_t off, tok_off;	/* the same as offsets in the text */
	Loc start;		/* opening of a string or long bracket */
	Loc last;		/* the last token returned */
	Buf buf;		/* bytes of the string being read */
	int level;		/* '=' count of the long bracket being read */
	int keep;		/* the long bracket is a string, not a comment */
	int quote;		/* the quote that closes the string being read */
	int outer;		/* start condition to go back to after a string */
	int depth;		/* bracket depth inside a /filter/ */
	int prev;		/* the last token, to read keywords after '.' as names */
	int bol;		/* the last token is the first of its line */
	int ops;		/* chained operators in the current statement */
	int eof_error;		/* a lexical error already reported the end of file */
	Open *opens;		/* brackets not closed yet */
	int nopens, capopens;
	char text[48];		/* the last token's text, for messages */
} Lexer;

#define YYLLOC_DEFAULT(Cur, Rhs, N) do { \
	if (N) { \
		(Cur).line = YYRHSLOC(Rhs, 1).line; \
		(Cur).col = YYRHSLOC(Rhs, 1).col; \
		(Cur).end_line = YYRHSLOC(Rhs, N).end_line; \
		(Cur).end_col = YYRHSLOC(Rhs, N).end_col; \
	} else { \
		(Cur).line = (Cur).end_line = YYRHSLOC(Rhs, 0).end_line; \
		(Cur).col = YYRHSLOC(Rhs, 0).end_col + 1; \
		(Cur).end_col = YYRHSLOC(Rhs, 0).end_col; \
	} \
} while (0)
}

%code provides {
int ktap_lex(YYSTYPE *val, YYLTYPE *loc, void *scanner);
}

%code {
#include <stdlib.h>
#include <string.h>

static int yylex(YYSTYPE *val, YYLTYPE *loc, Lexer *lx)
{
	return ktap_lex(val, loc, lx->scanner);
}

/* Only bison's own failures come here: its stack is full. */
static void yyerror(const Loc *loc, Lexer *lx, const char *msg)
{
	if (!strcmp(msg, "memory exhausted"))
		msg = "the program is nested too deeply";
	diag_error(lx->diag, DC_SYNTAX, *loc, "%s", msg);
}

static Node *mk(NodeKind k, Loc loc, Node *a, Node *b)
{
	Node *n = node_new(k, loc);
	n->a = a;
	n->b = b;
	return n;
}

static Node *mk_str(NodeKind k, Loc loc, char *s)
{
	Node *n = node_new(k, loc);
	n->str = s;
	n->len = strlen(s);
	return n;
}

static void list_free(NodeList *l)
{
	for (int i = 0; i < l->n; i++)
		ast_free(l->v[i]);
	free(l->v);
}

/* Left-associative chains (a+b+c..., f()()..., t[1][2]...) make trees as
 * deep as they are long, and every pass over the tree recurses: a
 * statement may hold at most MAX_OPS of them, like bison's own stack. */
enum { MAX_OPS = 10000 };

static int too_many_ops(Lexer *lx, Loc loc)
{
	if (++lx->ops == MAX_OPS + 1)
		diag_error(lx->diag, DC_TOO_COMPLEX, loc, "statement is too complex (more than %d operators)", MAX_OPS);
	return lx->ops > MAX_OPS;
}

static Node *mk_binop(Lexer *lx, Loc loc, int op, Node *a, Node *b)
{
	if (too_many_ops(lx, loc)) {
		ast_free(b);
		return a;
	}
	Node *n = mk(N_BINOP, loc, a, b);
	n->op = op;
	return n;
}

/* a.str, a[l] or a(l) */
static Node *mk_suffix(Lexer *lx, Loc loc, NodeKind k, Node *a, char *str, NodeList l)
{
	if (too_many_ops(lx, loc)) {
		free(str);
		list_free(&l);
		return a;
	}
	Node *n = mk(k, loc, a, NULL);
	n->str = str;
	n->list = l;
	return n;
}

static Node *mk_list(NodeKind k, Loc loc, Node *a, NodeList l)
{
	Node *n = mk(k, loc, a, NULL);
	n->list = l;
	return n;
}

static NodeList list1(Node *n)
{
	NodeList l = { 0 };
	nodelist_push(&l, n);
	return l;
}

/* A token to resynchronize on after a syntax error: a keyword that starts
 * a statement, or a name at the start of a line. */
static int starts_stat(Lexer *lx, int tok)
{
	switch (tok) {
	case NAME:
		return lx->bol;
	case VAR: case FUNCTION: case IF: case WHILE: case FOR: case REPEAT:
	case DO: case BREAK: case RETURN: case TRACE: case TRACE_END: case TICK: case PROFILE:
		return 1;
	default:
		return 0;
	}
}

/* Assignment targets must be names, fields or index expressions. */
static void check_targets(Lexer *lx, NodeList *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i]->kind == N_CALL)
			diag_error(lx->diag, DC_ASSIGN_TARGET, l->v[i]->loc, "cannot assign to a function call");
}

/* pid = 1: a clear error, and a whole statement so that parsing goes on. */
static Node *mk_builtin_assign(Lexer *lx, Loc loc, Loc at, int64_t b, int op, NodeList values)
{
	diag_error(lx->diag, DC_ASSIGN_BUILTIN, at, "cannot assign to the built-in variable '%s'", builtin_names[b]);
	Node *t = node_new(N_BUILTIN, at);
	t->num = b;
	Node *n = mk_list(N_ASSIGN, loc, NULL, list1(t));
	n->op = op;
	n->list2 = values;
	return n;
}

/* nkeys > 0: the keys of a tuple key named in parentheses, for ((a, b), v in ...). */
static Node *mk_forin(Lexer *lx, Loc loc, NodeList vars, int nkeys, Node *iter, NodeList args,
		      Node *body)
{
	if (!nkeys && vars.n > 2)
		diag_error(lx->diag, DC_FORIN_FORM, loc_span(vars.v[2]->loc, vars.v[vars.n - 1]->loc),
			   "a for-in loop has at most two variables (key and value)");
	if (strcmp(iter->str, "pairs") && strcmp(iter->str, "sort_pairs"))
		diag_error(lx->diag, DC_FORIN_FORM, iter->loc,
			   "expected 'pairs' or 'sort_pairs' in a for-in loop, not '%s'", iter->str);
	Node *n = mk_list(N_FORIN, loc, NULL, vars);
	n->num = nkeys;
	n->str = iter->str;
	iter->str = NULL;
	ast_free(iter);
	n->list2 = args;
	n->body = body;
	return n;
}
}

%union {
	Node *node;
	NodeList list;
	LexStr str;
	int64_t num;
}

%token <str> NAME "identifier" STRING "string" EVENT "event specification" INTERVAL "interval"
%token <num> NUMBER "number" BUILTIN "built-in variable"
%token TRACE "trace" TRACE_END "trace_end" TICK "tick" PROFILE "profile" VAR "var"
%token FUNCTION "function" IF "if" ELSEIF "elseif" ELSE "else" WHILE "while" FOR "for"
%token IN "in" REPEAT "repeat" UNTIL "until" DO "do" END "end" BREAK "break"
%token RETURN "return" TRUE "true" FALSE "false" NIL "nil"
%token OR "||" AND "&&" EQ "==" NE "!=" LE "<=" GE ">=" CONCAT ".." SHL "<<" SHR ">>"
%token PLUSEQ "+=" AGG "<<<"
%token FILTER_OPEN "'/' (start of a filter)" FILTER_CLOSE "'/' (end of the filter)"

%type <node> stat retstat elsepart body funcbody expr simple primary nsuffixed psuffixed
%type <node> table field filter
%type <list> block stats namelist exprlist args targets fieldlist events params

%destructor { ast_free($$); } <node>
%destructor { list_free(&$$); } <list>
%destructor { free($$.s); } <str>

%left OR
%left AND
%left '|'
%left '&'
%nonassoc EQ NE '<' LE '>' GE
%right CONCAT
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence '!' '~' UNARY

%initial-action { @$ = (Loc){ 1, 1, 1, 0 }; }

%%

chunk:
	block {
		lx->root = node_new(N_BLOCK, (Loc){ 1, 1, lx->last.end_line, lx->last.end_col });
		lx->root->list = $1;
	}
	;

/* `return` ends its block, as in Lua: that keeps `return` followed by a
 * statement on the next line from being read as `return expr`. */
block:
	stats
	| stats retstat { $$ = $1; nodelist_push(&$$, $2); }
	;

stats:
	%empty { $$ = (NodeList){ 0 }; }
	| stats stat { $$ = $1; if ($2) nodelist_push(&$$, $2); lx->ops = 0; }
	| stats ';' { $$ = $1; }
	| stats error {
		/* resynchronized on a statement: report the next error even if
		 * it comes within three tokens */
		$$ = $1;
		if (starts_stat(lx, yychar))
			yyerrok;
	}
	;

retstat:
	RETURN { $$ = mk(N_RETURN, @$, NULL, NULL); }
	| RETURN expr { $$ = mk(N_RETURN, @$, $2, NULL); }
	| retstat ';' { $$ = $1; }
	;

stat:
	VAR namelist { $$ = mk_list(N_VAR, @$, NULL, $2); }
	| VAR namelist '=' exprlist { $$ = mk_list(N_VAR, @$, NULL, $2); $$->list2 = $4; }
	| VAR FUNCTION NAME funcbody {
		$$ = $4; $$->kind = N_FUNCDEF; $$->loc = @$; $$->str = $3.s;
	}
	| FUNCTION NAME funcbody {
		$$ = $3; $$->kind = N_FUNCDEF; $$->loc = @$; $$->str = $2.s;
	}
	| targets '=' exprlist {
		check_targets(lx, &$1);
		$$ = mk_list(N_ASSIGN, @$, NULL, $1); $$->op = '='; $$->list2 = $3;
	}
	| targets PLUSEQ exprlist {
		check_targets(lx, &$1);
		$$ = mk_list(N_ASSIGN, @$, NULL, $1); $$->op = TK_PLUSEQ; $$->list2 = $3;
	}
	| nsuffixed AGG expr {
		NodeList t = list1($1);
		check_targets(lx, &t);
		$$ = mk_list(N_ASSIGN, @$, NULL, t); $$->op = TK_AGG; $$->list2 = list1($3);
	}
	| BUILTIN '=' exprlist { $$ = mk_builtin_assign(lx, @$, @1, $1, '=', $3); }
	| BUILTIN PLUSEQ exprlist { $$ = mk_builtin_assign(lx, @$, @1, $1, TK_PLUSEQ, $3); }
	| nsuffixed {
		if ($1->kind == N_CALL) {
			$$ = mk(N_CALLSTAT, @$, $1, NULL);
		} else {
			if (!YYRECOVERING())
				diag_error(lx->diag, DC_SYNTAX, @1, "expected '=' or a function call after this expression");
			ast_free($1);
			$$ = NULL;
		}
	}
	| IF '(' expr ')' body elsepart { $$ = mk(N_IF, @$, $3, NULL); $$->body = $5; $$->c = $6; }
	| WHILE '(' expr ')' body { $$ = mk(N_WHILE, @$, $3, NULL); $$->body = $5; }
	| FOR '(' NAME '=' expr ',' expr ')' body {
		$$ = mk_list(N_FORNUM, @$, $5, list1(mk_str(N_NAME, @3, $3.s)));
		$$->b = $7; $$->body = $9;
	}
	| FOR '(' NAME '=' expr ',' expr ',' expr ')' body {
		$$ = mk_list(N_FORNUM, @$, $5, list1(mk_str(N_NAME, @3, $3.s)));
		$$->b = $7; $$->c = $9; $$->body = $11;
	}
	| FOR '(' namelist IN NAME '(' args ')' ')' body {
		$$ = mk_forin(lx, @$, $3, 0, mk_str(N_NAME, @5, $5.s), $7, $10);
	}
	| FOR '(' '(' namelist ')' IN NAME '(' args ')' ')' body {
		$$ = mk_forin(lx, @$, $4, $4.n, mk_str(N_NAME, @7, $7.s), $9, $12);
	}
	| FOR '(' '(' namelist ')' ',' NAME IN NAME '(' args ')' ')' body {
		int nk = $4.n;
		nodelist_push(&$4, mk_str(N_NAME, @7, $7.s));
		$$ = mk_forin(lx, @$, $4, nk, mk_str(N_NAME, @9, $9.s), $11, $14);
	}
	| REPEAT block UNTIL '(' expr ')' {
		$$ = mk(N_REPEAT, @$, $5, NULL);
		$$->body = node_new(N_BLOCK, loc_span(@1, @3)); $$->body->list = $2;
	}
	| DO block END {
		$$ = mk(N_DO, @$, NULL, NULL);
		$$->body = node_new(N_BLOCK, @$); $$->body->list = $2;
	}
	| BREAK { $$ = mk(N_BREAK, @$, NULL, NULL); }
	| TRACE events filter body { $$ = mk_list(N_TRACE, @$, $3, $2); $$->body = $4; }
	| TRACE_END body { $$ = mk(N_TRACE_END, @$, NULL, NULL); $$->body = $2; }
	| TICK '-' INTERVAL body {
		$$ = mk(N_TICK, @$, mk_str(N_STR, @3, xstrdup($3.s)), NULL);
		$$->str = $3.s; $$->body = $4;
	}
	| PROFILE '-' INTERVAL body {
		$$ = mk(N_PROFILE, @$, mk_str(N_STR, @3, xstrdup($3.s)), NULL);
		$$->str = $3.s; $$->body = $4;
	}
	;

elsepart:
	%empty { $$ = NULL; }
	| ELSE body { $$ = $2; }
	| ELSEIF '(' expr ')' body elsepart {
		$$ = mk(N_IF, @$, $3, NULL); $$->body = $5; $$->c = $6;
	}
	;

body:
	'{' block '}' { $$ = node_new(N_BLOCK, @$); $$->list = $2; }
	;

funcbody:
	'(' params ')' body { $$ = mk_list(N_FUNCTION, @$, NULL, $2); $$->body = $4; }
	;

params:
	%empty { $$ = (NodeList){ 0 }; }
	| namelist
	;

namelist:
	NAME { $$ = list1(mk_str(N_NAME, @1, $1.s)); }
	| namelist ',' NAME { $$ = $1; nodelist_push(&$$, mk_str(N_NAME, @3, $3.s)); }
	;

events:
	EVENT { $$ = list1(mk_str(N_EVENT, @1, $1.s)); }
	| events ',' EVENT { $$ = $1; nodelist_push(&$$, mk_str(N_EVENT, @3, $3.s)); }
	;

filter:
	%empty { $$ = NULL; }
	| FILTER_OPEN expr FILTER_CLOSE { $$ = $2; }
	;

targets:
	nsuffixed { $$ = list1($1); }
	| targets ',' nsuffixed { $$ = $1; nodelist_push(&$$, $3); }
	;

exprlist:
	expr { $$ = list1($1); }
	| exprlist ',' expr { $$ = $1; nodelist_push(&$$, $3); }
	;

args:
	%empty { $$ = (NodeList){ 0 }; }
	| exprlist
	;

expr:
	simple
	| expr OR expr { $$ = mk_binop(lx, @$, TK_OR, $1, $3); }
	| expr AND expr { $$ = mk_binop(lx, @$, TK_AND, $1, $3); }
	| expr '|' expr { $$ = mk_binop(lx, @$, '|', $1, $3); }
	| expr '&' expr { $$ = mk_binop(lx, @$, '&', $1, $3); }
	| expr EQ expr { $$ = mk_binop(lx, @$, TK_EQ, $1, $3); }
	| expr NE expr { $$ = mk_binop(lx, @$, TK_NE, $1, $3); }
	| expr '<' expr { $$ = mk_binop(lx, @$, '<', $1, $3); }
	| expr LE expr { $$ = mk_binop(lx, @$, TK_LE, $1, $3); }
	| expr '>' expr { $$ = mk_binop(lx, @$, '>', $1, $3); }
	| expr GE expr { $$ = mk_binop(lx, @$, TK_GE, $1, $3); }
	| expr CONCAT expr { $$ = mk_binop(lx, @$, TK_CONCAT, $1, $3); }
	| expr SHL expr { $$ = mk_binop(lx, @$, TK_SHL, $1, $3); }
	| expr SHR expr { $$ = mk_binop(lx, @$, TK_SHR, $1, $3); }
	| expr '+' expr { $$ = mk_binop(lx, @$, '+', $1, $3); }
	| expr '-' expr { $$ = mk_binop(lx, @$, '-', $1, $3); }
	| expr '*' expr { $$ = mk_binop(lx, @$, '*', $1, $3); }
	| expr '/' expr { $$ = mk_binop(lx, @$, '/', $1, $3); }
	| expr '%' expr { $$ = mk_binop(lx, @$, '%', $1, $3); }
	| '!' expr { $$ = mk(N_UNOP, @$, $2, NULL); $$->op = '!'; }
	| '-' expr %prec UNARY { $$ = mk(N_UNOP, @$, $2, NULL); $$->op = '-'; }
	| '~' expr { $$ = mk(N_UNOP, @$, $2, NULL); $$->op = '~'; }
	;

simple:
	NIL { $$ = node_new(N_NIL, @$); }
	| TRUE { $$ = node_new(N_TRUE, @$); }
	| FALSE { $$ = node_new(N_FALSE, @$); }
	| NUMBER { $$ = node_new(N_NUM, @$); $$->num = $1; }
	| STRING { $$ = node_new(N_STR, @$); $$->str = $1.s; $$->len = $1.len; }
	| nsuffixed
	| psuffixed
	| table
	| FUNCTION funcbody { $$ = $2; $$->loc = @$; }
	;

/* Two copies of the suffix rules: a statement may only start with a name
 * (nsuffixed), because `x = y (z)()` would otherwise be ambiguous. */
primary:
	NAME { $$ = mk_str(N_NAME, @$, $1.s); }
	;

nsuffixed:
	primary
	| nsuffixed '.' NAME { $$ = mk_suffix(lx, @$, N_FIELD, $1, $3.s, (NodeList){ 0 }); }
	| nsuffixed '[' exprlist ']' { $$ = mk_suffix(lx, @$, N_INDEX, $1, NULL, $3); }
	| nsuffixed '(' args ')' { $$ = mk_suffix(lx, @$, N_CALL, $1, NULL, $3); }
	;

psuffixed:
	'(' expr ')' { $$ = $2; }
	| BUILTIN { $$ = node_new(N_BUILTIN, @$); $$->num = $1; }	/* curtask.comm */
	| psuffixed '.' NAME { $$ = mk_suffix(lx, @$, N_FIELD, $1, $3.s, (NodeList){ 0 }); }
	| psuffixed '[' exprlist ']' { $$ = mk_suffix(lx, @$, N_INDEX, $1, NULL, $3); }
	| psuffixed '(' args ')' { $$ = mk_suffix(lx, @$, N_CALL, $1, NULL, $3); }
	;

table:
	'{' '}' { $$ = node_new(N_TABLE, @$); }
	| '{' fieldlist '}' { $$ = mk_list(N_TABLE, @$, NULL, $2); }
	| '{' fieldlist sep '}' { $$ = mk_list(N_TABLE, @$, NULL, $2); }
	;

fieldlist:
	field { $$ = list1($1); }
	| fieldlist sep field { $$ = $1; nodelist_push(&$$, $3); }
	;

sep: ',' | ';' ;

field:
	'[' expr ']' '=' expr { $$ = mk(N_TFIELD, @$, $2, $5); }
	| NAME '=' expr { $$ = mk(N_TFIELD, @$, mk_str(N_STR, @1, $1.s), $3); }
	| expr { $$ = mk(N_TFIELD, @$, NULL, $1); }
	;

%%

/* How a token looks in a message: 'if', '{', identifier 'x', end of file. */
static const char *lookahead_text(Lexer *lx, yysymbol_kind_t t, char *buf, size_t n)
{
	switch (t) {
	case YYSYMBOL_YYEOF: return "end of file";
	case YYSYMBOL_NUMBER: snprintf(buf, n, "numeric constant '%s'", lx->text); return buf;
	case YYSYMBOL_STRING: return "string constant";
	case YYSYMBOL_EVENT: snprintf(buf, n, "event '%s'", lx->text); return buf;
	default: snprintf(buf, n, "'%s'", lx->text); return buf;
	}
}

/* An expected token's name in a message: 'if', '{', an identifier. */
static const char *token_text(yysymbol_kind_t t, char *buf, size_t n)
{
	const char *s = yysymbol_name(t);
	switch (t) {
	case YYSYMBOL_NAME: case YYSYMBOL_STRING: case YYSYMBOL_EVENT:
	case YYSYMBOL_INTERVAL: case YYSYMBOL_NUMBER: case YYSYMBOL_BUILTIN:
		snprintf(buf, n, "%s %s", strchr("aeiou", s[0]) ? "an" : "a", s);
		return buf;
	case YYSYMBOL_YYEOF:
		return s;
	default:
		if (s[0] == '\'')
			return s;
		snprintf(buf, n, "'%s'", s);
		return buf;
	}
}

static int has(const yysymbol_kind_t *v, int n, yysymbol_kind_t t)
{
	for (int i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

static int is_char(yysymbol_kind_t t, const char *set)
{
	const char *s = yysymbol_name(t);
	return s[0] == '\'' && s[1] && s[2] == '\'' && !s[3] && strchr(set, s[1]);
}

/* Tokens that could only continue what came before (operators, suffixes):
 * not worth naming in "expected X". */
static int is_continuation(yysymbol_kind_t t)
{
	switch (t) {
	case YYSYMBOL_OR: case YYSYMBOL_AND: case YYSYMBOL_EQ: case YYSYMBOL_NE:
	case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_CONCAT: case YYSYMBOL_SHL:
	case YYSYMBOL_SHR:
		return 1;
	default:
		return is_char(t, "|&<>+-*/%.[(");
	}
}

static int is_comparison(yysymbol_kind_t t)
{
	return t == YYSYMBOL_EQ || t == YYSYMBOL_NE || t == YYSYMBOL_LE || t == YYSYMBOL_GE ||
	       is_char(t, "<>");
}

static int has_char(const yysymbol_kind_t *v, int n, int c)
{
	char set[2] = { (char)c, 0 };
	for (int i = 0; i < n; i++)
		if (is_char(v[i], set))
			return 1;
	return 0;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, Lexer *lx)
{
	yysymbol_kind_t exp[YYNTOKENS], t = yypcontext_token(ctx);
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	Loc loc = *yypcontext_location(ctx);
	char buf[96], a[64], b[64];

	if (t == YYSYMBOL_YYEOF && lx->eof_error)
		return 0;
	/* after an error, a '}' at top level is almost always the end of a
	 * block whose '{' the error swallowed: not news */
	if (is_char(t, "}") && diag_errors(lx->diag) && has(exp, n, YYSYMBOL_YYEOF))
		return 0;
	const char *what = lookahead_text(lx, t, buf, sizeof buf);
	if (n < 0)
		n = 0;
	if (is_char(t, "=") && has(exp, n, YYSYMBOL_EQ) && has_char(exp, n, ')')) {
		diag_error(lx->diag, DC_ASSIGN_AS_COMPARE, loc, "'=' is an assignment; use '==' to compare");
		diag_fixit(lx->diag, loc, "==");
		return 0;
	}
	if (t == YYSYMBOL_NAME && has_char(exp, n, '+') && (!strcmp(lx->text, "and") || !strcmp(lx->text, "or"))) {
		diag_error(lx->diag, DC_WORD_OPERATOR, loc, "'%s' is not an operator in ktap; use '%s'", lx->text,
			   lx->text[0] == 'a' ? "&&" : "||");
		diag_fixit(lx->diag, loc, lx->text[0] == 'a' ? "&&" : "||");
		return 0;
	}
	if (is_comparison(t) && has_char(exp, n, '+')) {
		diag_error(lx->diag, DC_CHAINED_COMPARE, loc, "comparisons cannot be chained; combine them with '&&'");
		return 0;
	}
	/* only after `return [expr]` is ';' expected without ',' or a statement */
	if (has_char(exp, n, ';') && !has_char(exp, n, ',') && !has(exp, n, YYSYMBOL_VAR) &&
	    !has(exp, n, YYSYMBOL_NUMBER) && t != YYSYMBOL_YYEOF) {
		diag_error(lx->diag, DC_RETURN_NOT_LAST, loc, "'return' must be the last statement of its block; found %s after it", what);
		return 0;
	}
	if (has(exp, n, YYSYMBOL_NUMBER)) {
		if (t == YYSYMBOL_YYEOF)
			diag_error(lx->diag, DC_SYNTAX, loc, "unexpected end of file; expected expression");
		else
			diag_error(lx->diag, DC_SYNTAX, loc, "expected expression before %s", what);
		return 0;
	}
	if (has(exp, n, YYSYMBOL_EVENT)) {
		diag_error(lx->diag, DC_SYNTAX, loc, "expected an event specification before %s", what);
		return 0;
	}
	int m = 0;
	for (int i = 0; i < n; i++)
		if (!is_continuation(exp[i]))
			exp[m++] = exp[i];
	if (m == 0)	/* only an operator fits: name it */
		m = n;
	if (has(exp, m, YYSYMBOL_FILTER_CLOSE)) {
		diag_error(lx->diag, DC_SYNTAX, loc, "expected '/' to end the filter before %s", what);
		return 0;
	}
	if (has(exp, m, YYSYMBOL_VAR) && !(t == YYSYMBOL_YYEOF && has_char(exp, m, '}'))) {
		/* anything could start here: a statement was expected */
		if (t == YYSYMBOL_YYEOF)
			diag_error(lx->diag, DC_SYNTAX, loc, "unexpected end of file");
		else
			diag_error(lx->diag, DC_SYNTAX, loc, "unexpected %s", what);
	} else {
		char want[160];
		if (has_char(exp, m, '}') || has_char(exp, m, '{'))	/* the likeliest fix */
			snprintf(want, sizeof want, "'%c'", has_char(exp, m, '}') ? '}' : '{');
		else if (m == 1)
			snprintf(want, sizeof want, "%s", token_text(exp[0], a, sizeof a));
		else
			snprintf(want, sizeof want, "%s or %s", token_text(exp[0], a, sizeof a),
				 token_text(exp[1], b, sizeof b));
		if (t == YYSYMBOL_YYEOF)
			diag_error(lx->diag, DC_SYNTAX, loc, "unexpected end of file; expected %s", want);
		else
			diag_error(lx->diag, DC_SYNTAX, loc, "expected %s before %s", want, what);
	}
	/* name the bracket that is still open at the end of the file */
	if (t == YYSYMBOL_YYEOF && lx->nopens)
		diag_note(lx->diag, lx->opens[lx->nopens - 1].loc, "to match this '%c'",
			  lx->opens[lx->nopens - 1].ch);
	return 0;
}

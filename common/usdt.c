/* `sdt:` specs. A USDT probe is a nop the compiler left in the binary and
 * a `.note.stapsdt` note saying where it is and where each argument was at
 * that point (assembler operands: "-4@%eax", "8@-16(%rbp)"): ktap puts a
 * uprobe on the nop and compiles each argument's operand into the program
 * as a register read, a memory read or a constant. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "elfsyms.h"
#include "probes.h"
#include "usdt.h"
#include "util.h"

int usdt_is_spec(const char *spec)
{
	return !strncmp(spec, "sdt:", 4);
}

static EventField unreadable(const char *spec)
{
	return (EventField){ .ctype = xstrdup(spec), .kind = EF_UNREADABLE };
}

/* The low `size` bytes of v, sign- or zero-extended. */
static int64_t extend(uint64_t v, int size, int is_signed)
{
	int sh = 64 - 8 * size;
	if (!sh)
		return (int64_t)v;
	return is_signed ? (int64_t)(v << sh) >> sh : (int64_t)(v << sh >> sh);
}

/* A 64-bit register as a memory operand's base: "%rbp)" → its offset. */
static int base_reg(const char *s)
{
	size_t len = strlen(s);
	if (*s != '%' || len < 3 || s[len - 1] != ')')
		return -1;
	char *name = xstrndup(s + 1, len - 2);
	int size = 0, off = probes_reg(name, &size);
	int ip = !strcmp(name, "rip");	/* relative to the next instruction, not the probe */
	free(name);
	return size == 8 && !ip ? off : -1;
}

/* What follows the '@': %REG, $IMM, DISP(%REG) or (%REG), into *f; 0, or -1
 * for anything else. */
static int operand(const char *p, EventField *f)
{
	char *end;
	int size = 0;
	if (*p == '%') {
		f->kind = EF_INT;
		return (f->offset = probes_reg(p + 1, &size)) < 0 ? -1 : 0;
	}
	if (*p == '$') {
		f->kind = EF_CONST;
		f->disp = extend(strtoull(p + 1, &end, 0), f->size, f->is_signed);	/* "-1" wraps */
		return end == p + 1 || *end ? -1 : 0;
	}
	f->kind = EF_MEM;
	f->disp = *p == '(' ? 0 : strtoll(p, &end, 0);
	if (*p != '(' && (end == p || *end != '('))
		return -1;
	return (f->offset = base_reg(strchr(p, '(') + 1)) < 0 ? -1 : 0;
}

EventField usdt_arg(const char *spec)
{
	const char *p = spec;
	int is_signed = *p == '-';
	char *end;
	long n = strtol(p + is_signed, &end, 10);
	if (end == p + is_signed || *end != '@' || (n != 1 && n != 2 && n != 4 && n != 8))
		return unreadable(spec);
	EventField f = { .ctype = xasprintf("%c%ld", is_signed ? 's' : 'u', n * 8), .size = n,
			 .is_signed = is_signed };
	if (operand(end + 1, &f) < 0) {
		free(f.ctype);
		return unreadable(spec);
	}
	return f;
}

/* The notes of a spec's binary that it names. */
typedef struct Found {
	char *path;
	ElfSdt *notes;
	int nnotes;
	int *match, n;
} Found;

static void found_free(Found *f)
{
	free(f->path);
	elfsdt_free(f->notes, f->nnotes);
	free(f->match);
}

/* Nothing matched: say what the binary has. */
static void none_found(const Found *f, const char *provider, const char *name, const char **whyp)
{
	if (!f->nnotes) {
		*whyp = why_msg("%s has no USDT probes (no .note.stapsdt notes)", f->path);
		return;
	}
	char **full = xcalloc(f->nnotes, sizeof *full);
	for (int i = 0; i < f->nnotes; i++)
		full[i] = provider ? xasprintf("%s:%s", f->notes[i].provider, f->notes[i].name) :
				     xstrdup(f->notes[i].name);
	char *want = provider ? xasprintf("%s:%s", provider, name) : xstrdup(name);
	const char *guess = probes_nearest(want, (const char *const *)full, sizeof *full, f->nnotes);
	if (guess)
		*whyp = why_guess(want, guess, "%s has no USDT probe '%s'; did you mean '%s'?", f->path, want, guess);
	else
		*whyp = why_msg("%s has no USDT probe '%s'", f->path, want);
	for (int i = 0; i < f->nnotes; i++)
		free(full[i]);
	free(full);
	free(want);
}

/* spec's notes into *f: their number, or 0 with *why set. */
static int find(const char *spec, Found *f, const char **whyp)
{
	*f = (Found){ 0 };
	char *s = xstrdup(spec + 4), *part[4];
	int np = 0;
	for (char *p = s, *c; np < 4; p = c + 1) {
		part[np++] = p;
		if (!(c = strchr(p, ':')))
			break;
		*c = 0;
	}
	int bad = np < 2 || np > 3;
	for (int i = 0; i < np && !bad; i++)
		bad = !*part[i];
	const char *err = NULL;
	if (bad)
		*whyp = why_msg("'%s' is not of the form 'sdt:PATH:PROVIDER:NAME' or 'sdt:PATH:NAME'", spec);
	else if ((f->path = probes_binary(part[0], whyp)) &&
		 (f->nnotes = elfsdt_read(f->path, &f->notes, &err)) < 0)
		*whyp = why_msg("%s %s", f->path, err);
	const char *provider = np == 3 ? part[1] : NULL, *name = part[np - 1];
	f->match = xcalloc(f->nnotes > 0 ? f->nnotes : 1, sizeof *f->match);
	for (int i = 0; !bad && i < f->nnotes; i++)
		if ((!provider || !fnmatch(provider, f->notes[i].provider, 0)) &&
		    !fnmatch(name, f->notes[i].name, 0))
			f->match[f->n++] = i;
	if (f->nnotes < 0)
		f->nnotes = 0;
	else if (!bad && f->path && !f->n)
		none_found(f, provider, name, whyp);
	free(s);
	return f->n;
}

/* arg0, the probe's address, then the note's arguments; -1 with *why set
 * when there are too many. */
static int note_args(Event *ev, const ElfSdt *note, const char **whyp)
{
	int size;
	ev->args = xcalloc(USDT_MAX_ARGS + 1, sizeof *ev->args);
	ev->args[ev->nargs++] = (EventField){ .ctype = xstrdup("s64"), .kind = EF_INT,
					      .offset = probes_reg("rip", &size), .size = 8, .is_signed = 1 };
	char *copy = xstrdup(note->args), *save;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (ev->nargs > USDT_MAX_ARGS) {
			*whyp = why_msg("USDT probe %s:%s of %s has more than %d arguments", note->provider,
					note->name, ev->path, USDT_MAX_ARGS);
			free(copy);
			return -1;
		}
		ev->args[ev->nargs++] = usdt_arg(w);
	}
	free(copy);
	return 0;
}

static Event *note_event(const char *path, const ElfSdt *note)
{
	Event *ev = xcalloc(1, sizeof *ev);
	ev->kind = EV_UPROBE;
	ev->system = xasprintf("sdt:%s:%s", path, note->provider);
	ev->name = xstrdup(note->name);
	ev->path = xstrdup(path);
	ev->offset = note->offset;
	ev->ref_ctr = note->semaphore;
	return ev;
}

int usdt_resolve(const char *spec, Event ***out, const char **whyp)
{
	Found f;
	int n = find(spec, &f, whyp), bad = 0;
	*out = n ? xcalloc(n, sizeof **out) : NULL;
	for (int i = 0; i < n; i++) {
		const ElfSdt *note = &f.notes[f.match[i]];
		(*out)[i] = note_event(f.path, note);
		bad = bad || note_args((*out)[i], note, whyp) < 0;
		if (!bad && note->semaphore > UINT32_MAX) {	/* the object keeps a u32 */
			*whyp = why_msg("the semaphore of USDT probe %s:%s is beyond 4 GiB into %s",
					note->provider, note->name, f.path);
			bad = 1;
		}
	}
	if (bad) {
		events_free(*out, n);
		*out = NULL;
		n = 0;
	}
	found_free(&f);
	return n;
}

int usdt_list(const char *spec, int verbose, char ***out, const char **whyp)
{
	Found f;
	int n = find(spec, &f, whyp), k = 0;
	*out = n ? xcalloc(n, sizeof **out) : NULL;
	for (int i = 0; i < n; i++) {
		const ElfSdt *note = &f.notes[f.match[i]];
		char *line = verbose ? xasprintf("sdt:%s:%s:%s  %s", f.path, note->provider, note->name,
						 *note->args ? note->args : "(no arguments)") :
				       xasprintf("sdt:%s:%s:%s", f.path, note->provider, note->name);
		int seen = 0;	/* a probe written twice has a note per site */
		for (int j = 0; j < k && !seen; j++)
			seen = !strcmp((*out)[j], line);
		if (seen)
			free(line);
		else
			(*out)[k++] = line;
	}
	found_free(&f);
	return k;
}

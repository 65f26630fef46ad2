/* Allocation that never returns NULL, and a growable byte buffer. */
#ifndef KTAP_UTIL_H
#define KTAP_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Room for element n of an array appended to one element at a time, grown
 * by doubling (its capacity is implied: the next power of two), so that a
 * long array costs O(n) copies, also where realloc always moves (ASan). */
void *xgrow(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A message in a static buffer (the next call overwrites it): the one
 * sentence that says why a lookup failed. */
const char *why_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* why_msg for a name that was not found, with the nearest one: the pair is
 * kept beside the message, for a fix-it (why_hint). */
const char *why_guess(const char *wrong, const char *right, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The pair of why_guess if `why` is its message and no why_msg came since. */
int why_hint(const char *why, const char **wrong, const char **right);

int edit_distance(const char *a, const char *b);
int has_glob(const char *s);	/* a pattern for fnmatch, not one name */
int cmp_strp(const void *a, const void *b);	/* qsort of char *[] */
char *read_whole_file(const char *path, size_t *len);
/* The length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t utf8_len(const uint8_t *s, size_t n);

/* Append-only bytes, for building sections and string tables. */
typedef struct Buf {
	uint8_t *p;
	size_t len, cap;
} Buf;

void buf_add(Buf *b, const void *data, size_t n);
size_t buf_addstr(Buf *b, const char *s);	/* with its NUL; returns its offset */
void buf_pad(Buf *b, size_t align);
void buf_free(Buf *b);

#endif

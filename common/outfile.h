/* Writing an output file (ktapc's object or listing, ktap's -o) without
 * harming what the path names: a regular file is replaced whole or not at
 * all; anything else (a device, a FIFO, a terminal) is written to as it is,
 * never truncated, never removed. */
#ifndef KTAP_OUTFILE_H
#define KTAP_OUTFILE_H

#include <stddef.h>

/* All n bytes to fd, through short writes, EINTR and EAGAIN (a nonblocking
 * fd is waited for). 0, or -1 with errno. */
int write_all(int fd, const void *p, size_t n);

/* Writes the n bytes at p to path ("-": standard output). 0, or -1 with
 * errno set; on failure a regular file at path is as it was before. */
int outfile_write(const char *path, const void *p, size_t n);

#endif

/* usdt: USDT probes (stapsdt notes, <sys/sdt.h>) at known values, for the
 * tests of sdt: events.
 *
 *   usdt [--comm NAME] [--wait-fd FD] [-q] N
 *
 * Sets its comm (default "ktap-usdt"), with --wait-fd blocks until it reads
 * one byte from FD (a test attaches, then releases it), then for i = 0..N-1
 * fires:
 *   ktap:tick(i, -i)                      a long and an int
 *   ktap:mixed(i * 1000, (short)-i, (unsigned char)i, &tick_count)
 *                                          values from memory (volatile
 *                                          locals: stack operands) too
 *   ktap:guarded(i)                       only while its semaphore is set,
 *                                          i.e. while a tracer is attached
 * then, once, ktap:global(ktap_usdt_global, ktap_usdt_ring[N % 8]), whose
 * operands ktap refuses to read (rip-relative, indexed), and prints
 * "guarded K" (K: how many times guarded fired), unless -q. */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/sdt.h>
#include <unistd.h>

/* Every probe of a file that defines _SDT_HAS_SEMAPHORES has one; only
 * guarded's is read. */
unsigned short ktap_tick_semaphore __attribute__((unused, section(".probes")));
unsigned short ktap_mixed_semaphore __attribute__((unused, section(".probes")));
unsigned short ktap_guarded_semaphore __attribute__((unused, section(".probes")));
unsigned short ktap_global_semaphore __attribute__((unused, section(".probes")));
static long tick_count;
long ktap_usdt_global, ktap_usdt_ring[8];	/* not static: read from memory */

static void usage(void)
{
	fprintf(stderr, "usage: usdt [--comm NAME] [--wait-fd FD] [-q] N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *comm = "ktap-usdt";
	int fd = -1, quiet = 0, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--comm") && i + 1 < argc)
			comm = argv[++i];
		else if (!strcmp(argv[i], "--wait-fd") && i + 1 < argc)
			fd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else
			usage();
	}
	if (i + 1 != argc)
		usage();
	long n = atol(argv[i]), guarded = 0;
	prctl(PR_SET_NAME, comm);
	char c;
	if (fd >= 0 && read(fd, &c, 1) != 1)
		return 1;
	for (long k = 0; k < n; k++) {
		volatile long big = k * 1000;
		volatile short neg = (short)-k;
		volatile unsigned char small = (unsigned char)k;
		DTRACE_PROBE2(ktap, tick, k, (int)-k);
		DTRACE_PROBE4(ktap, mixed, big, neg, small, &tick_count);
		tick_count++;
		if (ktap_guarded_semaphore) {
			DTRACE_PROBE1(ktap, guarded, k);
			guarded++;
		}
	}
	DTRACE_PROBE2(ktap, global, ktap_usdt_global, ktap_usdt_ring[n % 8]);
	if (!quiet)
		printf("guarded %ld\n", guarded);
	return 0;
}

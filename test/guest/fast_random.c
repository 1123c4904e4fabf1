/* getrandom (served from a pool inside the CPU core under wasl): the count asked for with every
 * valid flag, bytes that differ call to call, process to process and look uniform, nothing written
 * past the end, EFAULT and EINVAL as Linux gives them, and the bytes that fit when a buffer runs
 * off its mapping. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 4
#endif

static long raw(void *buf, size_t len, unsigned flags) { return syscall(SYS_getrandom, buf, len, flags); }
static const char *err(long r) {
  static char n[32];
  if (r >= 0) { snprintf(n, sizeof n, "%ld", r); return n; }
  return errno == EFAULT ? "EFAULT" : errno == EINVAL ? "EINVAL" : strerror(errno);
}
static int cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }

#define CALLS 8192
static unsigned char draws[CALLS][16];

int main(void) {
  /* many small draws, as hash seeds and UUIDs take them, mixing libc and the raw call and flags */
  long short_reads = 0;
  for (int i = 0; i < CALLS; i++) {
    long r = i & 1 ? raw(draws[i], 16, i & 2 ? GRND_NONBLOCK : 0) : getrandom(draws[i], 16, 0);
    short_reads += r != 16;
  }
  qsort(draws, CALLS, 16, cmp16);
  long dups = 0;
  for (int i = 1; i < CALLS; i++) dups += !memcmp(draws[i - 1], draws[i], 16);
  long counts[256] = {0}, skewed = 0;
  for (int i = 0; i < CALLS; i++) for (int j = 0; j < 16; j++) counts[draws[i][j]]++;
  /* 131072 bytes: 512 of each value expected, sd ~22.6 */
  for (int v = 0; v < 256; v++) skewed += counts[v] < 380 || counts[v] > 650;
  printf("%d draws of 16 bytes: short %ld, duplicates %ld, byte values off the uniform count %ld\n", CALLS, short_reads, dups, skewed);

  /* lengths around the sizes an implementation might cut at; the canary after the buffer stays */
  static unsigned char big[70000 + 1];
  size_t lens[] = {0, 1, 3, 15, 255, 256, 4095, 4096, 4097, 5000, 65536, 70000};
  for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    memset(big, 0, sizeof big);
    big[lens[i]] = 0xA5;
    long r = raw(big, lens[i], 0);
    long zeros = 0;
    for (size_t j = 0; j < lens[i]; j++) zeros += big[j] == 0;
    printf("len %zu: returned %ld, canary %s, not mostly zero %d\n", lens[i], r, big[lens[i]] == 0xA5 ? "kept" : "overwritten",
           lens[i] < 16 || zeros < (long)lens[i] / 32 + 4);
  }

  /* flags */
  unsigned char b[32];
  unsigned flags[] = {0, GRND_NONBLOCK, GRND_RANDOM, GRND_RANDOM | GRND_NONBLOCK, GRND_INSECURE, GRND_INSECURE | GRND_NONBLOCK,
                      GRND_RANDOM | GRND_INSECURE, 8, 0x80000000u};
  for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    long r = raw(b, sizeof b, flags[i]);
    printf("flags %#x: %s\n", flags[i], err(r));
  }

  /* bad buffers: unmapped, read-only, running off a mapping, in the kernel half; length 0 */
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(two + 4096, 4096);
  void *bad[] = {(void *)8, ro, two + 4096 - 15, (void *)0xffff800000000000UL};
  const char *bad_name[] = {"unmapped", "read-only", "past the end", "kernel"};
  for (int i = 0; i < 4; i++) {
    printf("%-12s 16 bytes %s,", bad_name[i], err(raw(bad[i], 16, 0)));
    printf(" 0 bytes %s,", err(raw(bad[i], 0, 0)));
    printf(" with GRND_NONBLOCK %s,", err(raw(bad[i], 16, GRND_NONBLOCK)));
    printf(" 8000 bytes %s\n", err(raw(bad[i], 8000, 0)));
  }
  printf("read-only page untouched: %d\n", ro[0] == 0 && ro[4095] == 0);
  printf("after the failures: %ld\n", raw(b, 16, 0));

  /* a child's bytes are not its parent's */
  int p[2];
  pipe(p);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    unsigned char c[16];
    if (raw(c, 16, 0) != 16) _exit(1);
    write(p[1], c, 16);
    _exit(0);
  }
  unsigned char theirs[16], mine[16];
  read(p[0], theirs, 16);
  raw(mine, 16, 0);
  int st;
  waitpid(child, &st, 0);
  printf("child exited %d, its 16 bytes differ from the parent's next 16: %d\n", WEXITSTATUS(st), memcmp(theirs, mine, 16) != 0);
  return 0;
}

/* The time calls (answered inside the CPU core under wasl unless tracing): each clock never goes
 * backwards across many reads mixing the raw syscall with libc (natively the vDSO), the fields are
 * in range, the clocks agree with each other, and bad pointers and clock ids fail as Linux says. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long ns(const struct timespec *t) { return t->tv_sec * 1000000000L + t->tv_nsec; }
static int raw_gettime(int clk, void *tp) { return syscall(SYS_clock_gettime, clk, tp); }
static const char *err(long r) { return r == 0 ? "ok" : errno == EFAULT ? "EFAULT" : errno == EINVAL ? "EINVAL" : strerror(errno); }

int main(void) {
  static const struct { int id; const char *name; } clocks[] = {
    {CLOCK_REALTIME, "REALTIME"}, {CLOCK_MONOTONIC, "MONOTONIC"}, {CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW"},
    {CLOCK_REALTIME_COARSE, "REALTIME_COARSE"}, {CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE"}, {CLOCK_BOOTTIME, "BOOTTIME"},
    {CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME"}, {CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME"},
  };
  for (unsigned c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
    struct timespec t;
    long last = 0, backwards = 0, bad_nsec = 0, fails = 0;
    for (int i = 0; i < 20000; i++) {
      int r = i & 1 ? raw_gettime(clocks[c].id, &t) : clock_gettime(clocks[c].id, &t);
      fails += r != 0;
      bad_nsec += t.tv_nsec < 0 || t.tv_nsec >= 1000000000L;
      backwards += ns(&t) < last;
      last = ns(&t);
    }
    printf("%-16s 20000 reads: failed %ld, backwards %ld, tv_nsec out of range %ld, positive %d\n",
           clocks[c].name, fails, backwards, bad_nsec, last > 0);
  }

  /* BOOTTIME counts MONOTONIC plus suspended time, so it is never behind it */
  struct timespec m, b, r;
  long behind = 0;
  for (int i = 0; i < 1000; i++) {
    raw_gettime(CLOCK_MONOTONIC, &m);
    raw_gettime(CLOCK_BOOTTIME, &b);
    behind += ns(&b) < ns(&m);
  }
  printf("BOOTTIME behind MONOTONIC: %ld\n", behind);

  /* REALTIME, gettimeofday and time agree (time() may be a coarse tick behind) */
  time_t t1 = time(NULL);
  raw_gettime(CLOCK_REALTIME, &r);
  struct timeval tv;
  long g = syscall(SYS_gettimeofday, &tv, NULL);
  time_t t2 = syscall(SYS_time, NULL), stored = 0;
  time_t t3 = syscall(SYS_time, &stored);
  printf("time <= realtime+1: %d, realtime <= gettimeofday+1: %d, gettimeofday <= time+1: %d\n",
         t1 <= r.tv_sec + 1, r.tv_sec <= tv.tv_sec + 1, tv.tv_sec <= t2 + 1);
  printf("gettimeofday %ld, tv_usec in range %d, time stores its result %d, after 2000: %d\n",
         g, tv.tv_usec >= 0 && tv.tv_usec < 1000000, stored == t3, t3 > 946684800);
  struct timezone tz = {123, 456};
  g = syscall(SYS_gettimeofday, &tv, &tz);
  printf("gettimeofday with tz %ld: minuteswest %d dsttime %d\n", g, tz.tz_minuteswest, tz.tz_dsttime);
  long d0 = 0, d1 = 0;
  for (int i = 0; i < 20000; i++) {
    struct timeval a;
    gettimeofday(&a, NULL);
    long us = a.tv_sec * 1000000L + a.tv_usec;
    d1 += us < d0;
    d0 = us;
  }
  printf("gettimeofday 20000 reads backwards: %ld\n", d1);

  /* bad pointers: unmapped, read-only, and a struct running off the end of a mapping */
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(two + 4096, 4096);
  void *bad[] = {(void *)8, ro, two + 4096 - 8, (void *)0xffff800000000000UL};
  const char *bad_name[] = {"unmapped", "read-only", "straddling", "kernel"};
  for (int i = 0; i < 4; i++) {
    printf("%-10s clock_gettime(MONOTONIC) %s", bad_name[i], err(raw_gettime(CLOCK_MONOTONIC, bad[i])));
    printf(", clock_gettime(REALTIME) %s", err(raw_gettime(CLOCK_REALTIME, bad[i])));
    printf(", gettimeofday(tv) %s", err(syscall(SYS_gettimeofday, bad[i], NULL)));
    printf(", gettimeofday(tz) %s", err(syscall(SYS_gettimeofday, &tv, bad[i])));
    long secs = syscall(SYS_time, bad[i]);
    printf(", time %s\n", secs > 0 ? "ok" : err(secs));
  }
  printf("read-only page untouched: %d\n", ro[0] == 0 && ro[15] == 0);

  /* unknown clock ids */
  int ids[] = {100, 12345, -1, 16};
  for (int i = 0; i < 4; i++) printf("clock %d: %s\n", ids[i], err(raw_gettime(ids[i], &r)));
  return 0;
}

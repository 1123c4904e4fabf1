/* futex wake-ups with nobody waiting (answered inside the CPU core under wasl while no thread
 * of the machine waits): 0 for every aligned word, EINVAL/EFAULT/ENOSYS as Linux checks them,
 * and real waits and wake-ups between threads and processes still meet. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The futex ABI (linux/futex.h, which musl's toolchain does not ship). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

static long futex(void *uaddr, int op, uint32_t val, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, NULL, NULL, val3);
}
static const char *res(long r) {
  static char n[32];
  if (r >= 0) { snprintf(n, sizeof n, "%ld", r); return n; }
  return errno == EFAULT ? "EFAULT" : errno == EINVAL ? "EINVAL" : errno == ENOSYS ? "ENOSYS" : strerror(errno);
}

static _Atomic uint32_t word, started;
static uint32_t words[4];

static void *waiter(void *arg) {
  started = 1;
  while (word == 0) futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0);
  return (void *)1;
}

int main(void) {
  static const struct { int op; const char *name; } ops[] = {
    {FUTEX_WAKE, "WAKE"}, {FUTEX_WAKE | FUTEX_PRIVATE_FLAG, "WAKE_PRIVATE"},
    {FUTEX_WAKE_BITSET, "WAKE_BITSET"}, {FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, "WAKE_BITSET_PRIVATE"},
  };
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(gone, 4096);
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    long zeros = 0;
    for (int j = 0; j < 50000; j++) zeros += futex(&words[j & 3], ops[i].op, 1 + (j & 7), ~0u) == 0;
    printf("%-20s 50000 on idle words: %ld returned 0", ops[i].name, zeros);
    printf("; INT_MAX %s", res(futex(&word, ops[i].op, 0x7fffffff, ~0u)));
    printf("; bitset 0 %s", res(futex(&word, ops[i].op, 1, 0)));
    printf("; misaligned %s", res(futex((char *)&words[0] + 2, ops[i].op, 1, ~0u)));
    printf("; read-only %s", res(futex(ro, ops[i].op, 1, ~0u)));
    printf("; unmapped %s", res(futex(gone, ops[i].op, 1, ~0u)));
    printf("; NULL %s", res(futex(NULL, ops[i].op, 1, ~0u)));
    printf("; kernel %s", res(futex((void *)0xffff800000000000UL, ops[i].op, 1, ~0u)));
    printf("; CLOCK_REALTIME %s\n", res(futex(&word, ops[i].op | FUTEX_CLOCK_REALTIME, 1, ~0u)));
  }

  /* a real wait and wake between threads: the waker's wake-ups count the sleeper */
  for (int round = 0; round < 3; round++) {
    word = 0;
    started = 0;
    pthread_t th;
    pthread_create(&th, 0, waiter, 0);
    while (!started) sched_yield();
    long woken = 0;
    struct timespec pause = {0, 1000000};
    /* the waiter may not be asleep yet: wake until it has been counted once */
    for (int tries = 0; tries < 5000 && !woken; tries++) {
      woken = futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
      if (!woken) nanosleep(&pause, 0);
      if (tries == 4000) word = 1;
    }
    word = 1;
    futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0);
    void *ret;
    pthread_join(th, &ret);
    printf("round %d: a wake-up found the sleeper %d, it returned %d, idle wake after %s\n", round, woken == 1, ret == (void *)1,
           res(futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0)));
  }

  /* a shared futex between processes: the child sleeps until the parent wakes it */
  uint32_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  shared[0] = 0;
  shared[1] = 0;
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    __atomic_store_n(&shared[1], 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&shared[0], __ATOMIC_SEQ_CST) == 0) futex(&shared[0], FUTEX_WAIT, 0, 0);
    _exit(0);
  }
  while (__atomic_load_n(&shared[1], __ATOMIC_SEQ_CST) == 0) sched_yield();
  long woken = 0;
  struct timespec pause = {0, 1000000};
  for (int tries = 0; tries < 5000 && !woken; tries++) {
    woken = futex(&shared[0], FUTEX_WAKE, 1, 0);
    if (!woken) nanosleep(&pause, 0);
  }
  __atomic_store_n(&shared[0], 1, __ATOMIC_SEQ_CST);
  futex(&shared[0], FUTEX_WAKE, 1, 0);
  int st;
  waitpid(child, &st, 0);
  printf("shared: a wake-up found the sleeping child %d, child exited %d\n", woken == 1, WEXITSTATUS(st));
  return 0;
}

// futex(2) directly: value mismatch, timeouts, wake counts, bitsets, requeue, wake-op, and a
// shared futex in MAP_SHARED memory between two processes.
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

// The futex ABI (linux/futex.h, which musl's toolchain does not ship).
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t *uaddr2, uint32_t val3) {
  return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}
static const char *err(long r) { return r == 0 ? "0" : errno == EAGAIN ? "EAGAIN" : errno == ETIMEDOUT ? "ETIMEDOUT" : errno == EINVAL ? "EINVAL" : strerror(errno); }

static uint32_t word, word2;
static volatile int waiting;

static void *waiter(void *arg) {
  __atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
  long r = futex(arg == NULL ? &word : (uint32_t *)arg, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  return (void *)r;
}

static void wait_for_waiters(int n) {
  while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) < n) sched_yield();
  // The waiters are parked once their futex call is entered; give them time to get there.
  struct timespec ts = { 0, 20 * 1000 * 1000 };
  nanosleep(&ts, NULL);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  word = 1;
  printf("wait on a changed value: %s\n", err(futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0)));
  struct timespec ts = { 0, 10 * 1000 * 1000 };
  word = 0;
  printf("wait with a timeout: %s\n", err(futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0)));
  printf("wake with nobody waiting: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
  printf("misaligned: %s\n", err(futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));
  printf("bitset 0: %s\n", err(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 0)));

  pthread_t th[3];
  for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, waiter, NULL);
  wait_for_waiters(3);
  long woke = futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
  long woke2 = futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  printf("woke %ld then %ld\n", woke, woke2);

  // Requeue: one woken, the other two moved to word2 and woken from there.
  waiting = 0;
  for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, waiter, NULL);
  wait_for_waiters(3);
  printf("cmp_requeue with a stale value: %s\n", err(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word2, 7)));
  long moved = futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2L, &word2, 0);
  long left = futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  long fromw2 = futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
  for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
  printf("requeue: %ld, left on word %ld, woken from word2 %ld\n", moved, left, fromw2);

  // Wake-op: word2 += 5; wake one on word; if the old word2 was 0 wake one on word2.
  waiting = 0;
  word2 = 0;
  pthread_create(&th[0], NULL, waiter, NULL);
  pthread_create(&th[1], NULL, waiter, &word2);
  wait_for_waiters(2);
  long n = futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &word2, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0));
  pthread_join(th[0], NULL);
  pthread_join(th[1], NULL);
  printf("wake_op: woke %ld, word2 now %u\n", n, word2);

  // A futex in shared memory between processes (no PRIVATE flag).
  uint32_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  shm[0] = 0;
  shm[1] = 0;
  pid_t c = fork();
  if (c == 0) {
    __atomic_store_n(&shm[1], 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&shm[0], __ATOMIC_SEQ_CST) == 0) futex(&shm[0], FUTEX_WAIT, 0, NULL, NULL, 0);
    _exit(shm[0]);
  }
  while (__atomic_load_n(&shm[1], __ATOMIC_SEQ_CST) == 0) sched_yield();
  nanosleep(&ts, NULL);
  __atomic_store_n(&shm[0], 33, __ATOMIC_SEQ_CST);
  futex(&shm[0], FUTEX_WAKE, 1, NULL, NULL, 0);
  int st;
  waitpid(c, &st, 0);
  printf("shared futex: child exited %d\n", WEXITSTATUS(st));
  return 0;
}

// sched_getattr(2) (chrt -p, schedtool): the size handshake (a larger buffer's tail zeroed, the
// first version's 48 bytes, anything smaller EINVAL), policy and priority as sched_setscheduler
// set them, the nice value for the normal policies, and the EINVAL/ESRCH cases. The runtime and
// the utilisation clamps depend on the kernel's version and build, so they are not printed; nice
// values are printed relative to the one the test starts with.
//! status: 0
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

struct attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
  uint8_t tail[8];
};

static int base;

static void show(const char *what, unsigned size) {
  struct attr a;
  memset(&a, 0xee, sizeof a);
  long r = syscall(SYS_sched_getattr, 0, &a, size, 0);
  if (r < 0) { printf("%s: -1 %s\n", what, strerror(errno)); return; }
  printf("%s: size %u policy %u flags %llu nice %+d priority %u", what, a.size, a.policy, (unsigned long long)a.flags,
         a.nice - base, a.priority);
  if (size > 56) printf(" tail %02x", a.tail[0]);
  if (size == 48) printf(" clamps untouched %d", a.util_min == 0xeeeeeeee);
  printf("\n");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  errno = 0;
  base = getpriority(PRIO_PROCESS, 0);
  show("start", sizeof(struct attr));
  setpriority(PRIO_PROCESS, 0, base + 3 > 19 ? 19 : base + 3);
  show("nice +3", 56);
  show("first version", 48);
  show("too small", 40);
  struct sched_param sp = { .sched_priority = 10 };
  printf("setscheduler FIFO 10: %d\n", sched_setscheduler(0, SCHED_FIFO, &sp));
  show("fifo", 56);
  sp.sched_priority = 0;
  printf("setscheduler BATCH: %d\n", sched_setscheduler(0, SCHED_BATCH, &sp));
  show("batch", 56);
  printf("setscheduler OTHER: %d\n", sched_setscheduler(0, SCHED_OTHER, &sp));
  struct attr a;
  long r = syscall(SYS_sched_getattr, 0, &a, 56, 1);
  printf("flags 1: %ld %s\n", r, r < 0 ? strerror(errno) : "");
  r = syscall(SYS_sched_getattr, 0, NULL, 56, 0);
  printf("NULL: %ld %s\n", r, r < 0 ? strerror(errno) : "");
  r = syscall(SYS_sched_getattr, -1, &a, 56, 0);
  printf("pid -1: %ld %s\n", r, r < 0 ? strerror(errno) : "");
  r = syscall(SYS_sched_getattr, 999999, &a, 56, 0);
  printf("no such pid: %ld %s\n", r, r < 0 ? strerror(errno) : "");
  r = syscall(SYS_sched_getattr, 0, &a, 8192, 0);
  printf("size 8192: %ld %s\n", r, r < 0 ? strerror(errno) : "");
  r = syscall(SYS_sched_getattr, getpid(), &a, 56, 0);
  printf("own pid: %ld policy %u\n", r, a.policy);
  return 0;
}

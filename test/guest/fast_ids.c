/* getpid/gettid (answered inside the CPU core under wasl) agree with what the kernel says
 * elsewhere: /proc/self/stat, fork's return value in the parent, a thread's own id. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long raw_pid(void) { return syscall(SYS_getpid); }
static long raw_tid(void) { return syscall(SYS_gettid); }

static void *thread_main(void *arg) {
  long *out = arg;
  out[0] = raw_tid();
  out[1] = raw_pid();
  return 0;
}

int main(void) {
  FILE *f = fopen("/proc/self/stat", "r");
  long statpid = -1;
  if (f) { fscanf(f, "%ld", &statpid); fclose(f); }
  printf("getpid matches /proc/self/stat: %d\n", raw_pid() == statpid);
  printf("main thread: gettid == getpid: %d\n", raw_tid() == raw_pid());
  long sum = 0;
  for (int i = 0; i < 100000; i++) sum += raw_pid() == statpid;
  printf("100000 calls agree: %d\n", sum == 100000);
  int p[2];
  pipe(p);
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    long me = raw_pid();
    write(p[1], &me, sizeof me);
    _exit(0);
  }
  long reported = 0;
  read(p[0], &reported, sizeof reported);
  waitpid(child, 0, 0);
  printf("child's getpid is fork's return: %d\n", reported == child);
  printf("parent unchanged: %d\n", raw_pid() == statpid);
  long ids[2];
  pthread_t th;
  pthread_create(&th, 0, thread_main, ids);
  pthread_join(th, 0);
  printf("thread: same pid %d, own tid %d\n", ids[1] == statpid, ids[0] != statpid && ids[0] > 0);
  return 0;
}

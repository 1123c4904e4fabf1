/* Exercises the system calls the CPU core can answer itself, one family per mode, N calls each,
 * and prints what a reproducible run can compare (test/fastpath.test.mjs). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(int *uaddr, int op, int val, int *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, (void *)0, uaddr2, val3);
}
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define FUTEX_CMP_REQUEUE_PRIVATE 132
static int word_a, word_b, word_c;

static void *waiter(void *arg) {
  while (__atomic_load_n(&word_a, __ATOMIC_SEQ_CST) == 0) futex(&word_a, FUTEX_WAIT_PRIVATE, 0, 0, 0);
  return arg;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  long n = argc > 2 ? atol(argv[2]) : 1000, ok = 0;
  /* an inotify watch anywhere keeps read and write in the kernel, which reports them */
  if (argc > 3 && !strcmp(argv[3], "inotify") && inotify_add_watch(inotify_init1(0), "/", IN_ALL_EVENTS) < 0) return 3;
  if (!strcmp(mode, "ids")) {
    for (long i = 0; i < n; i++) ok += syscall(SYS_getpid) > 0 && syscall(SYS_gettid) > 0;
  } else if (!strcmp(mode, "clock")) {
    struct timespec t;
    struct timeval tv;
    for (long i = 0; i < n; i++) ok += syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t) == 0 && syscall(SYS_gettimeofday, &tv, NULL) == 0 && syscall(SYS_time, NULL) > 0;
  } else if (!strcmp(mode, "random")) {
    unsigned char b[16];
    for (long i = 0; i < n; i++) ok += syscall(SYS_getrandom, b, sizeof b, 0) == 16;
  } else if (!strcmp(mode, "futex")) {
    static int word;
    for (long i = 0; i < n; i++) ok += syscall(SYS_futex, &word, 129 /* FUTEX_WAKE_PRIVATE */, 1, NULL, NULL, 0) == 0;
  } else if (!strcmp(mode, "waiting")) {
    /* n wakes while a thread sleeps on another futex, then n more once it is gone */
    pthread_t th;
    pthread_create(&th, 0, waiter, 0);
    /* moving the sleeper from a to c proves it is queued (and keeps it queued) */
    while (syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)1 /* requeue 1 */, &word_c, 0) != 1) sched_yield();
    for (long i = 0; i < n; i++) ok += futex(&word_b, FUTEX_WAKE_PRIVATE, 1, 0, 0) == 0;
    __atomic_store_n(&word_a, 1, __ATOMIC_SEQ_CST);
    long woken = futex(&word_c, FUTEX_WAKE_PRIVATE, 1, 0, 0);
    pthread_join(th, 0);
    for (long i = 0; i < n; i++) ok += futex(&word_b, FUTEX_WAKE_PRIVATE, 1, 0, 0) == 0;
    ok = woken == 1 ? ok / 2 : 0;
  } else if (!strcmp(mode, "devices")) {
    int null = open("/dev/null", O_WRONLY), zero = open("/dev/zero", O_RDONLY);
    char b[8] = {1};
    for (long i = 0; i < n; i++) ok += write(null, b, 1) == 1 && read(zero, b, sizeof b) == 8 && b[0] == 0;
  } else if (!strcmp(mode, "pipe")) {
    int p[2];
    char c = 0;
    if (pipe(p)) return 1;
    for (long i = 0; i < n; i++) ok += write(p[1], &c, 1) == 1 && read(p[0], &c, 1) == 1;
  } else if (!strcmp(mode, "file")) {
    /* a file in memory read a byte at a time, then each byte again with pread64 */
    int fd = memfd_create("fast", 0);
    for (long i = 0; i < n; i++) if (write(fd, &"abcdefgh"[i % 8], 1) != 1) return 1;
    lseek(fd, 0, SEEK_SET);
    char c;
    for (long i = 0; i < n; i++) ok += read(fd, &c, 1) == 1 && c == "abcdefgh"[i % 8];
    for (long i = 0; i < n; i++) ok += pread(fd, &c, 1, i) == 1 && c == "abcdefgh"[i % 8];
    ok /= 2;
  } else if (!strcmp(mode, "overlay")) {
    /* /data.txt of an image layer ("abcdefgh" repeated), read a byte at a time while another
     * process copies it up, writes into it and truncates it: the reader sees each change */
    int fd = open("/data.txt", O_RDONLY);
    char c, three[4] = {0};
    for (long i = 0; i < n; i++) ok += read(fd, &c, 1) == 1 && c == "abcdefgh"[i % 8];
    if (fork() == 0) {
      int w = open("/data.txt", O_WRONLY);
      _exit(pwrite(w, "XYZ", 3, n) == 3 ? 0 : 1);
    }
    wait(NULL);
    long r = read(fd, three, 3);
    printf("after the copy-up: %ld %s\n", r, three);
    for (long i = n + 3; i < 2 * n; i++) ok += read(fd, &c, 1) == 1 && c == "abcdefgh"[i % 8];
    if (fork() == 0) _exit(truncate("/data.txt", n) == 0 ? 0 : 1);
    wait(NULL);
    printf("after the truncation: %ld\n", (long)read(fd, &c, 1));
    ok = ok == 2 * n - 3 ? n : 0;
  } else if (!strcmp(mode, "watched")) {
    /* n round trips while epoll watches the pipe (the kernel must see each write), n after */
    int p[2], ep = epoll_create1(0);
    char c = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET}, out;
    if (pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)) return 1;
    for (long i = 0; i < n; i++) ok += write(p[1], &c, 1) == 1 && epoll_wait(ep, &out, 1, 0) == 1 && read(p[0], &c, 1) == 1;
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], 0);
    for (long i = 0; i < n; i++) ok += write(p[1], &c, 1) == 1 && epoll_wait(ep, &out, 1, 0) == 0 && read(p[0], &c, 1) == 1;
    ok /= 2;
  } else if (!strcmp(mode, "show")) {
    /* what deterministic mode must reproduce, whichever path answered */
    for (long i = 0; i < n; i++) {
      struct timespec m, r;
      unsigned char b[7];
      syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &m);
      syscall(SYS_clock_gettime, CLOCK_REALTIME, &r);
      syscall(SYS_getrandom, b, sizeof b, 0);
      printf("%lld.%09ld %lld.%09ld ", (long long)m.tv_sec, m.tv_nsec, (long long)r.tv_sec, r.tv_nsec);
      for (int j = 0; j < 7; j++) printf("%02x", b[j]);
      printf("\n");
    }
    ok = n;
  } else {
    fprintf(stderr, "usage: fastpath ids|clock|random|futex|waiting|devices|pipe|file|overlay|watched|show [N]\n");
    return 2;
  }
  printf("%s %ld/%ld\n", mode, ok, n);
  return ok == n ? 0 : 1;
}

// Threat-model probe for test/sandbox.test.mjs: hostile sizes and forged pointers in system calls,
// descriptor exhaustion, and what the clock and random sources give. Each case prints one line
// "name=result" (errno names for failures) so a native run and a sandboxed run can be compared.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void report(const char *name, long r) {
  if (r == -1) printf("%s=-1 %s\n", name, strerrorname_np(errno)); else printf("%s=%ld\n", name, r);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "syscalls";
  if (!strcmp(mode, "syscalls")) {
    char small[16];
    int fd = open("/etc/passwd", O_RDONLY);
    report("read_huge_count", syscall(SYS_read, fd, small, (size_t)1 << 62));
    report("read_unmapped", syscall(SYS_read, fd, (void *)0x1000, 100));
    report("read_kernel_addr", syscall(SYS_read, fd, (void *)0xffff800000000000ull, 100));
    report("write_forged", syscall(SYS_write, 1, (void *)0xdead0000, 10));
    report("write_negative_count", syscall(SYS_write, 1, small, (size_t)-1));
    report("open_forged_path", syscall(SYS_open, (void *)0x10, O_RDONLY));
    report("uname_forged", syscall(SYS_uname, (void *)0x20));
    void *p = mmap(NULL, (size_t)1 << 60, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap_2_60", p == MAP_FAILED ? -1 : 0);
    p = mmap(NULL, (size_t)-4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mmap_negative", p == MAP_FAILED ? -1 : 0);
    report("lseek_negative", lseek(fd, -1, SEEK_SET));
    report("pread_negative", pread(fd, small, 4, -5));
    report("getrandom_forged", syscall(SYS_getrandom, (void *)0x30, 16, 0));
    report("clock_forged", syscall(SYS_clock_gettime, CLOCK_REALTIME, (void *)0x40));
    return 0;
  }
  if (!strcmp(mode, "emfile")) {
    int n = 0;
    for (;;) {
      int fd = open("/etc/passwd", O_RDONLY);
      if (fd < 0) { printf("opened=%d errno=%s\n", n, strerrorname_np(errno)); return 0; }
      n++;
    }
  }
  if (!strcmp(mode, "entropy")) {
    struct timespec rt, mono;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    unsigned char r[16];
    getrandom(r, sizeof r, 0);
    const unsigned char *at = (const unsigned char *)getauxval(AT_RANDOM);
    printf("realtime=%lld.%09ld monotonic=%lld.%09ld\ngetrandom=", (long long)rt.tv_sec, rt.tv_nsec, (long long)mono.tv_sec, mono.tv_nsec);
    for (int i = 0; i < 16; i++) printf("%02x", r[i]);
    printf("\nat_random=");
    for (int i = 0; i < 16; i++) printf("%02x", at[i]);
    printf("\n");
    return 0;
  }
  if (!strcmp(mode, "alloc")) {
    // Touches memory a megabyte at a time until something stops it.
    size_t total = 0;
    for (;;) {
      char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) { printf("mmap failed after %zu MiB: %s\n", total >> 20, strerrorname_np(errno)); return 3; }
      memset(p, 1, 1 << 20);
      total += 1 << 20;
    }
  }
  if (!strcmp(mode, "plant") || !strcmp(mode, "scan")) {
    // plant: fills anonymous memory, the heap, the stack and registers with a secret word.
    // scan: counts non-zero words in fresh memory of the same kinds, which Linux zero-fills: a
    // word an earlier guest left there is a leak.
    const uint64_t secret = 0x5ec2e75ec2e75ec2ull;
    const size_t mapSize = (size_t)24 << 20, heapSize = (size_t)4 << 20;
    if (!strcmp(mode, "plant")) {
      uint64_t *m = mmap(NULL, mapSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      for (size_t i = 0; i < mapSize / 8; i++) m[i] = secret;
      uint64_t *h = sbrk(heapSize);
      for (size_t i = 0; i < heapSize / 8; i++) h[i] = secret;
      volatile uint64_t stack[32768];
      for (size_t i = 0; i < 32768; i++) stack[i] = secret;
      __asm__ volatile("movq %0, %%xmm0; movq %0, %%xmm7; movq %0, %%r12" :: "r"(secret) : "xmm0", "xmm7", "r12");
      printf("planted\n");
      return 0;
    }
    // More memory than plant used, each page written once so it gets a frame of its own.
    size_t nonzero = 0, secrets = 0;
    const size_t scanSize = (size_t)40 << 20;
    uint64_t *w = mmap(NULL, scanSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (size_t i = 0; i < scanSize / 8; i += 512) w[i] = 1;
    for (size_t i = 0; i < scanSize / 8; i++) { if (w[i] > 1) nonzero++; if (w[i] == secret) secrets++; }
    const uint64_t *h = sbrk(heapSize);
    for (size_t i = 0; i < heapSize / 8; i++) { if (h[i]) nonzero++; if (h[i] == secret) secrets++; }
    printf("nonzero=%zu secret=%zu\n", nonzero, secrets);
    return 0;
  }
  if (!strcmp(mode, "null")) {
    // Each access to the null page must fault (SIGSEGV): the read, then the write, then a call.
    volatile unsigned char *p = (volatile unsigned char *)(unsigned long)(argc > 2 ? atoi(argv[2]) : 0);
    if (argc > 3 && argv[3][0] == 'w') *p = 1;
    else if (argc > 3 && argv[3][0] == 'x') ((void (*)(void))p)();
    else printf("read %d\n", *p);
    return 0;
  }
  if (!strcmp(mode, "tsc")) {
    // RDTSC counts retired instructions here: the same program reads the same values every run.
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    printf("tsc=%llu\n", ((unsigned long long)hi << 32) | lo);
    return 0;
  }
  return 2;
}

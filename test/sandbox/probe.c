// Threat-model probe for test/sandbox.test.mjs: hostile sizes and forged pointers in system calls,
// descriptor exhaustion, and what the clock and random sources give. Each case prints one line
// "name=result" (errno names for failures) so a native run and a sandboxed run can be compared.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
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
  return 2;
}

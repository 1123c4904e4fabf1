/* SIGBUS from a file mapping touched past end of file: the page holding EOF reads as the file
 * then zeros, a page wholly past EOF raises SIGBUS with BUS_ADRERR and si_addr at the touch. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile char *base;
static volatile long got_code, got_off;

static void on_bus(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got_code = si->si_code;
  got_off = (char *)si->si_addr - (char *)base;
  siglongjmp(back, sig);
}

int main(void) {
  char path[] = "/tmp/wasl-sigbus-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  const char text[] = "a file of forty-two bytes, then nothing.\n";
  write(fd, text, sizeof text - 1);
  long page = sysconf(_SC_PAGESIZE);
  base = mmap(0, 3 * page, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED) return 2;
  printf("first bytes: %.6s\n", (const char *)base);
  printf("after EOF in the same page: %d %d\n", base[41], base[page - 1]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_bus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, 0);
  int sig = sigsetjmp(back, 1);
  if (sig == 0) {
    volatile char c = base[page + 5];
    printf("no signal (%d)\n", c);
  } else {
    printf("signal %d, BUS_ADRERR %d, offset %ld\n", sig, got_code == BUS_ADRERR, got_off - page);
  }
  munmap((void *)base, 3 * page);
  close(fd);
  unlink(path);
  signal(SIGBUS, SIG_DFL);
  return 0;
}

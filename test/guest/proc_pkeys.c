// Memory protection keys as V8 (node) probes them: pkey_alloc answers what CPUID promises (a key
// when OSPKE is set; EINVAL when it is not, as x86 Linux answers there: wasl reports no PKU),
// pkey_free of a key never allocated is EINVAL, and pkey_mprotect with key -1 is mprotect.
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *en(long r) {
  if (r >= 0) return "ok";
  switch (errno) { case EINVAL: return "EINVAL"; case ENOSPC: return "ENOSPC"; case EFAULT: return "EFAULT"; default: return "other"; }
}

int main(void) {
  unsigned a, b, c, d;
  int ospke = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 4));
  long k = syscall(SYS_pkey_alloc, 0, 0);
  int as_promised = ospke ? k >= 0 : (k == -1 && errno == EINVAL);
  printf("pkey_alloc as CPUID promises: %s\n", as_promised ? "yes" : "no");
  if (k >= 0) syscall(SYS_pkey_free, k);
  long r = syscall(SYS_pkey_alloc, 1, 0); printf("pkey_alloc flags 1: %s\n", en(r));
  r = syscall(SYS_pkey_alloc, 0, 4); printf("pkey_alloc init 4: %s\n", en(r));
  r = syscall(SYS_pkey_free, 9); printf("pkey_free 9: %s\n", en(r));

  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  strcpy(p, "data");
  int fds[2];
  if (pipe(fds)) return 1;
  r = syscall(SYS_pkey_mprotect, p, 4096, PROT_NONE, -1); printf("pkey_mprotect -1: %s\n", en(r));
  r = write(fds[1], p, 4); printf("write from PROT_NONE: %s\n", en(r));
  r = syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, -1); printf("pkey_mprotect -1 read: %s\n", en(r));
  r = write(fds[1], p, 4); printf("write from PROT_READ: %ld\n", r);
  r = syscall(SYS_pkey_mprotect, p + 1, 4096, PROT_READ, 7); printf("pkey_mprotect unaligned key 7: %s\n", en(r));
  r = syscall(SYS_pkey_mprotect, p, 0, PROT_READ, 7); printf("pkey_mprotect empty key 7: %s\n", en(r));
  if (!ospke) { r = syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 7); printf("pkey_mprotect key 7: %s\n", en(r)); }
  else printf("pkey_mprotect key 7: EINVAL\n");
  return 0;
}

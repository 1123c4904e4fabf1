/* personality(2): query, set PER_LINUX with ADDR_NO_RANDOMIZE, inheritance across fork, and an
 * other persona recorded and read back. */
#include <stdio.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int base = personality(0xffffffff);
  printf("initial persona %#x\n", base & PER_MASK);
  int old = personality(PER_LINUX | ADDR_NO_RANDOMIZE);
  printf("set returns the old value: %d\n", old == base);
  printf("now %#x\n", personality(0xffffffff) & (PER_MASK | ADDR_NO_RANDOMIZE));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) { printf("child inherits: %#x\n", personality(0xffffffff) & ADDR_NO_RANDOMIZE); fflush(stdout); _exit(0); }
  waitpid(pid, 0, 0);
  personality(PER_SVR4);
  printf("PER_SVR4 recorded: %d\n", personality(0xffffffff) == PER_SVR4);
  personality(base);
  return 0;
}

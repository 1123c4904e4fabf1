// abort() raises SIGABRT: the process dies of the signal (status 134 as the shell reports it).
//! status: 134
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  for (int i = 0; i < 5; i++) printf("before abort %d\n", i);
  fflush(stdout);
  abort();
}

// MAP_SHARED mappings of one file share its pages: two mappings in one process, and mappings a
// parent and a child make on their own after fork, see each other's stores at once (Python's
// multiprocessing.shared_memory, POSIX named semaphores and shm_open work this way). Also: an
// open file whose name is gone still answers fstat with its size and nlink 0 (Python's
// multiprocessing heap unlinks its arena file, ftruncates it, then mmaps it by size).
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/wasl-mmap-shared-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  if (ftruncate(fd, 8192)) return 1;
  char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *b = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *c = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096); // the second page only
  if (a == MAP_FAILED || b == MAP_FAILED || c == MAP_FAILED) return 1;
  strcpy(a, "written through a");
  strcpy(a + 4096, "page two");
  printf("b sees: %s\n", b);
  printf("c sees page two: %s\n", c);
  strcpy(b + 100, "and b answers");
  printf("a sees: %s\n", a + 100);

  // A child maps the file itself (not inherited) and writes; the parent's mapping sees it.
  int sync[2];
  if (pipe(sync)) return 1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(m + 200, "from the child");
    printf("child sees parent's: %s\n", m);
    fflush(stdout);
    if (write(sync[1], "k", 1) != 1) _exit(1);
    _exit(0);
  }
  char k;
  if (read(sync[0], &k, 1) != 1) return 1;
  printf("parent sees child's: %s\n", a + 200);
  waitpid(pid, NULL, 0);

  // The file itself gets the stores at munmap.
  munmap(a, 8192); munmap(b, 8192); munmap(c, 4096);
  char buf[32] = { 0 };
  if (pread(fd, buf, 20, 200) < 0) return 1;
  printf("file after munmap: %s\n", buf);

  // Unlinked while open: fstat still sees the size; nlink is 0.
  unlink(path);
  if (ftruncate(fd, 12288)) return 1;
  struct stat st;
  fstat(fd, &st);
  printf("unlinked: size %ld nlink %ld\n", (long)st.st_size, (long)st.st_nlink);
  char *d = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("mapped after unlink: %s\n", d == MAP_FAILED ? "failed" : d);
  close(fd);

  // shm_open and a named semaphore shared by two processes.
  const char *shm = "/wasl-shm-test";
  shm_unlink(shm);
  int s = shm_open(shm, O_CREAT | O_RDWR, 0600);
  if (s < 0 || ftruncate(s, 4096)) { printf("shm_open failed\n"); return 1; }
  int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0);
  *counter = 0;
  sem_unlink("/wasl-sem-test");
  sem_t *sem = sem_open("/wasl-sem-test", O_CREAT, 0600, 0);
  if (sem == SEM_FAILED) { printf("sem_open failed\n"); return 1; }
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    int t = shm_open(shm, O_RDWR, 0);
    int *cc = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, t, 0);
    sem_t *ss = sem_open("/wasl-sem-test", 0);
    for (int i = 0; i < 5; i++) { (*cc)++; sem_post(ss); }
    _exit(0);
  }
  for (int i = 0; i < 5; i++) sem_wait(sem);
  printf("counter after five posts: %d\n", *counter);
  waitpid(pid, NULL, 0);
  sem_close(sem);
  sem_unlink("/wasl-sem-test");
  shm_unlink(shm);
  return 0;
}

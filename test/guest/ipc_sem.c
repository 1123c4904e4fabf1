// System V semaphores: semget keys and flags, semctl's commands, semop's atomic operation arrays
// and errors, waits woken by another process, by a signal (EINTR even with SA_RESTART), by
// IPC_RMID (EIDRM), timeouts, SEM_UNDO at exit, permissions as an ordinary user, /proc/sysvipc/sem.
#include "ipc_common.h"
#include <grp.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };

static int op(int id, unsigned short num, short o, short flg) {
  struct sembuf b = { num, o, flg };
  return semop(id, &b, 1);
}

static int val(int id, int num) { return semctl(id, num, GETVAL); }

static int probe_sem(key_t k) {
  int id = semget(k, 2, IPC_CREAT | IPC_EXCL | 0600);
  if (id < 0) return 0;
  track(SEM, id);
  return 1;
}

/** Waits until num of id has n waiters of the kind cmd counts (GETNCNT/GETZCNT). */
static int wait_count(int id, int num, int cmd, int n) {
  for (int i = 0; i < 10000; i++) {
    if (semctl(id, num, cmd) == n) return 1;
    usleep(1000);
  }
  return 0;
}

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got++; }

int main(void) {
  ipc_setup();
  int id = track(SEM, semget(IPC_PRIVATE, 3, 0600));
  printf("semget private: %s\n", e(id));
  struct semid_ds ds;
  union semun u = { .buf = &ds };
  const char *r = e(semctl(id, 0, IPC_STAT, u));
  printf("IPC_STAT: %s nsems %lu mode %o uid %d otime %d ctime %d\n", r,
    (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777, ds.sem_perm.uid, ds.sem_otime != 0, ds.sem_ctime != 0);
  unsigned short all[3] = { 9, 9, 9 };
  u.array = all;
  r = e(semctl(id, 0, GETALL, u));
  printf("GETALL: %s %d %d %d\n", r, all[0], all[1], all[2]);
  u.val = 5;
  r = e(semctl(id, 1, SETVAL, u));
  printf("SETVAL 5: %s, GETVAL %d, GETPID is me %d\n", r, val(id, 1), semctl(id, 1, GETPID) == getpid());
  u.val = 32768;
  printf("SETVAL 32768: %s\n", e(semctl(id, 1, SETVAL, u)));
  u.val = -1;
  printf("SETVAL -1: %s\n", e(semctl(id, 1, SETVAL, u)));
  printf("GETVAL sem 3: %s\n", e(semctl(id, 3, GETVAL)));
  unsigned short set[3] = { 1, 0, 2 };
  u.array = set;
  r = e(semctl(id, 0, SETALL, u));
  printf("SETALL 1 0 2: %s -> %d %d %d\n", r, val(id, 0), val(id, 1), val(id, 2));
  unsigned short big[3] = { 1, 40000, 2 };
  u.array = big;
  r = e(semctl(id, 0, SETALL, u));
  printf("SETALL past SEMVMX: %s, sem 0 still %d\n", r, val(id, 0));
  printf("bad command: %s\n", e(semctl(id, 0, 1234)));
  printf("bad id: %s\n", e(semctl(id + 1000000, 0, GETVAL)));

  // semop's errors and atomicity.
  struct sembuf many[501];
  memset(many, 0, sizeof many);
  printf("nsops 0: %s\n", e(semop(id, many, 0)));
  printf("nsops 501: %s\n", e(semop(id, many, 501)));
  printf("sem_num 3: %s\n", e(op(id, 3, 1, 0)));
  printf("take from 0, nowait: %s\n", e(op(id, 1, -1, IPC_NOWAIT)));
  printf("wait for zero on 2, nowait: %s\n", e(op(id, 2, 0, IPC_NOWAIT)));
  printf("wait for zero on 1: %s\n", e(op(id, 1, 0, 0)));
  struct sembuf pair[2] = { { 0, -1, 0 }, { 1, -1, IPC_NOWAIT } };
  r = e(semop(id, pair, 2));
  printf("take 0 and 1 (1 is empty): %s, sem 0 still %d\n", r, val(id, 0));
  struct sembuf same[3] = { { 2, -1, 0 }, { 2, -1, 0 }, { 2, 3, 0 } };
  r = e(semop(id, same, 3));
  printf("three ops on sem 2: %s -> %d\n", r, val(id, 2));
  struct sembuf dip[2] = { { 2, -3, IPC_NOWAIT }, { 2, 3, 0 } };
  r = e(semop(id, dip, 2));
  printf("take 3 then give 3 back (3 there): %s -> %d\n", r, val(id, 2));
  u.val = 32767;
  semctl(id, 0, SETVAL, u);
  r = e(op(id, 0, 1, 0));
  printf("past SEMVMX: %s, sem 0 %d\n", r, val(id, 0));
  u.val = 0;
  semctl(id, 0, SETVAL, u);
  struct timespec ts = { 0, 50 * 1000 * 1000 };
  struct sembuf take = { 0, -1, 0 };
  printf("semtimedop times out: %s\n", e(semtimedop(id, &take, 1, &ts)));
  struct timespec badts = { 0, 1000000000 };
  printf("semtimedop bad timeout: %s\n", e(semtimedop(id, &take, 1, &badts)));
  semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds });
  printf("otime set: %d\n", ds.sem_otime != 0);

  // A wait woken by another process; GETNCNT counts it while it waits.
  pid_t c = fork();
  if (c == 0) {
    // The child says nothing itself: its line would race the parent's.
    _exit(op(id, 0, -2, 0) == 0 ? 0 : 10 + errno);
  }
  printf("GETNCNT reaches 1: %d\n", wait_count(id, 0, GETNCNT, 1));
  r = e(op(id, 0, 1, 0));
  printf("give 1: %s, child still waits %d\n", r, semctl(id, 0, GETNCNT));
  printf("give 2: %s\n", e(op(id, 0, 2, 0)));
  int st = reap(c);
  printf("child: %d, sem 0 %d, GETNCNT %d\n", st, val(id, 0), semctl(id, 0, GETNCNT));

  // Two waiters, both satisfied by one operation; GETZCNT counts a wait for zero.
  for (int i = 0; i < 2; i++) {
    if (fork() == 0) { int r = op(id, 1, -1, 0); _exit(r == 0 ? 10 : 20); }
  }
  if (fork() == 0) { int r = op(id, 2, 0, 0); _exit(r == 0 ? 30 : 40); }
  int two = wait_count(id, 1, GETNCNT, 2);
  printf("two wait on 1: %d, one waits for zero on 2: %d\n", two, wait_count(id, 2, GETZCNT, 1));
  printf("give 1 two: %s\n", e(op(id, 1, 2, 0)));
  int sum = 0;
  for (int i = 0; i < 2; i++) { int st; wait(&st); sum += WEXITSTATUS(st); }
  printf("the two waiters: %d\n", sum);
  u.val = 0;
  printf("SETVAL 2 to 0: %s\n", e(semctl(id, 2, SETVAL, u)));
  { int st; wait(&st); printf("the zero waiter: %d\n", WEXITSTATUS(st)); }

  // A signal ends a wait with EINTR, with SA_RESTART too.
  u.val = 0;
  semctl(id, 0, SETVAL, u);
  struct sigaction sa = { 0 };
  sa.sa_handler = on_usr1;
  for (int restart = 0; restart < 2; restart++) {
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    c = fork();
    if (c == 0) {
      if (!wait_count(id, 0, GETNCNT, 1)) _exit(1);
      kill(parent, SIGUSR1);
      _exit(0);
    }
    r = e(op(id, 0, -1, 0));
    printf("signal (SA_RESTART %d): %s, handler ran %d, child %d\n", restart, r, (int)got, reap(c));
  }

  // SEM_UNDO: what a process did comes undone when it exits; SETVAL clears the adjustment.
  u.val = 3;
  semctl(id, 0, SETVAL, u);
  c = fork();
  if (c == 0) {
    op(id, 0, 2, SEM_UNDO);
    op(id, 0, -4, SEM_UNDO);
    printf("child: sem 0 after +2 -4 with undo: %d\n", val(id, 0));
    _exit(0);
  }
  st = reap(c);
  printf("child %d, sem 0 after its exit: %d\n", st, val(id, 0));
  int up[2], down[2];
  if (pipe(up) || pipe(down)) return 1;
  c = fork();
  if (c == 0) {
    char b;
    op(id, 0, 1, SEM_UNDO);
    if (write(up[1], "x", 1) != 1) _exit(1);
    if (read(down[0], &b, 1) != 1) _exit(1);
    _exit(0);
  }
  char b;
  if (read(up[0], &b, 1) != 1) return 1;
  u.val = 7;
  semctl(id, 0, SETVAL, u);
  if (write(down[1], "x", 1) != 1) return 1;
  st = reap(c);
  printf("child %d, SETVAL 7 cleared its undo: sem 0 %d\n", st, val(id, 0));
  u.val = 32767;
  semctl(id, 1, SETVAL, u);
  // The adjustment a process may owe stays within -32768…32767.
  u.val = 0;
  semctl(id, 1, SETVAL, u);
  printf("+32767 with undo: %s\n", e(op(id, 1, 32767, SEM_UNDO)));
  printf("-2 without: %s\n", e(op(id, 1, -2, 0)));
  printf("+1 with undo (owes -32768): %s\n", e(op(id, 1, 1, SEM_UNDO)));
  r = e(op(id, 1, 1, SEM_UNDO));
  printf("+1 more with undo: %s, sem 1 %d\n", r, val(id, 1));

  // IPC_RMID wakes a waiter with EIDRM.
  int gone = semget(IPC_PRIVATE, 1, 0600);
  track(SEM, gone);
  c = fork();
  if (c == 0) {
    int r = op(gone, 0, -1, 0);
    printf("child: wait on a removed set: %s\n", e(r));
    _exit(0);
  }
  wait_count(gone, 0, GETNCNT, 1);
  r = e(semctl(gone, 0, IPC_RMID));
  printf("IPC_RMID: %s, child %d\n", r, reap(c));
  r = e(op(gone, 0, 1, 0));
  printf("semop after IPC_RMID: %s, semctl: %s\n", r, e(semctl(gone, 0, GETVAL)));

  // Keys: create, find, EEXIST, ENOENT, nsems larger than the set.
  key_t key = fresh_key(probe_sem);
  int kid = semget(key, 2, 0);
  printf("semget by key: %s, same id %d\n", e(kid), kid == made[nmade - 1].id);
  printf("IPC_CREAT|IPC_EXCL: %s\n", e(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600)));
  printf("more sems than the set: %s\n", e(semget(key, 3, 0)));
  printf("nsems 0 finds it: %d\n", semget(key, 0, 0) == kid);
  printf("nsems 0 creates: %s\n", e(semget(IPC_PRIVATE, 0, 0600)));
  printf("nsems 32001: %s\n", e(semget(IPC_PRIVATE, 32001, 0600)));
  struct seminfo si;
  u.__buf = &si;
  int maxidx = semctl(0, 0, IPC_INFO, u);
  printf("IPC_INFO: %d semmsl %d semmns %d semopm %d semmni %d semvmx %d semaem %d\n", maxidx >= 0, si.semmsl, si.semmns,
    si.semopm, si.semmni, si.semvmx, si.semaem);

  print_sysctl("sem");
  // IPC_SET, then an ordinary user: 0640 group-readable set of root's, and a 0600 one.
  semctl(kid, 0, IPC_STAT, (union semun){ .buf = &ds });
  ds.sem_perm.mode = 0604;
  printf("IPC_SET 0604: %s\n", e(semctl(kid, 0, IPC_SET, (union semun){ .buf = &ds })));
  semctl(kid, 0, IPC_STAT, (union semun){ .buf = &ds });
  printf("mode now %o\n", ds.sem_perm.mode & 0777);
  int priv = track(SEM, semget(IPC_PRIVATE, 1, 0600));
  c = fork();
  if (c == 0) {
    if (setgroups(0, NULL) || setgid(1000) || setuid(1000)) _exit(1);
    printf("user: semget by key for read: %s\n", e(semget(key, 0, 0400)));
    printf("user: semget by key for write: %s\n", e(semget(key, 0, 0600)));
    printf("user: GETVAL on 0604: %s\n", e(semctl(kid, 0, GETVAL)));
    printf("user: SETVAL on 0604: %s\n", e(semctl(kid, 0, SETVAL, (union semun){ .val = 1 })));
    printf("user: semop wait-for-zero: %s\n", e(op(kid, 0, 0, IPC_NOWAIT)));
    printf("user: semop +1: %s\n", e(op(kid, 0, 1, 0)));
    struct semid_ds d;
    memset(&d, 0, sizeof d);
    printf("user: IPC_STAT on 0600: %s\n", e(semctl(priv, 0, IPC_STAT, (union semun){ .buf = &d })));
    printf("user: SEM_STAT_ANY on 0600: %s\n", e(semctl(priv & 0x7fff, 0, SEM_STAT_ANY, (union semun){ .buf = &d })));
    printf("user: IPC_RMID: %s\n", e(semctl(priv, 0, IPC_RMID)));
    printf("user: IPC_SET: %s\n", e(semctl(priv, 0, IPC_SET, (union semun){ .buf = &d })));
    _exit(0);
  }
  printf("user child: %d\n", reap(c));

  char line[512];
  if (sysvipc_line("sem", kid, line, sizeof line)) {
    unsigned mode, nsems, uid;
    sscanf(line, "%o %u %u", &mode, &nsems, &uid);
    printf("/proc/sysvipc/sem: perms %o nsems %u uid %u\n", mode, nsems, uid);
  } else printf("/proc/sysvipc/sem: no line\n");
  printf("SEM_STAT of its index is its id: %d\n", semctl(kid & 0x7fff, 0, SEM_STAT, (union semun){ .buf = &ds }) == kid);
  r = e(semctl(kid, 0, IPC_RMID));
  printf("IPC_RMID by key's id: %s, again: %s\n", r, e(semctl(kid, 0, IPC_RMID)));
  printf("gone from /proc/sysvipc/sem: %d\n", !sysvipc_line("sem", kid, line, sizeof line));
  return 0;
}

// System V shared memory: one segment's pages seen by every attach in every process (fork, an
// attach of its own, exec dropping it), shmat's address forms and flags, shmdt, nattch, IPC_RMID
// destroying only at the last detach (SHM_DEST), IPC_STAT times and pids, SHM_LOCK, keys,
// permissions as an ordinary user, /proc/sysvipc/shm and the "/SYSV…" line of /proc/self/maps.
#include "ipc_common.h"
#include <grp.h>
#include <setjmp.h>
#include <sys/mman.h>

static int shm_stat(int id, struct shmid_ds *ds) { memset(ds, 0, sizeof *ds); return shmctl(id, IPC_STAT, ds); }

static unsigned long nattch(int id) {
  struct shmid_ds ds;
  return shm_stat(id, &ds) ? 999 : (unsigned long)ds.shm_nattch;
}

static int probe_shm(key_t k) {
  int id = shmget(k, 8192, IPC_CREAT | IPC_EXCL | 0600);
  if (id < 0) return 0;
  track(SHM, id);
  return 1;
}

/** The /proc/self/maps line of the mapping at addr: its permissions and name. */
static void maps_line(void *addr) {
  char want[32], line[512];
  snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
  FILE *f = fopen("/proc/self/maps", "r");
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, want, strlen(want))) continue;
    char perms[8], name[256] = "";
    unsigned long ino;
    sscanf(line, "%*s %7s %*s %*s %lu %255[^\n]", perms, &ino, name);
    printf("maps: %s %s\n", perms, name);
    fclose(f);
    return;
  }
  if (f) fclose(f);
  printf("maps: no line at the address\n");
}

/** A small segment of its own (pmap makes one the same way). */
static int kid0(void) { return track(SHM, shmget(IPC_PRIVATE, 42, IPC_CREAT | 0666)); }

static sigjmp_buf fault;
static void on_segv(int s) { (void)s; siglongjmp(fault, 1); }

int main(int argc, char **argv) {
  // "nattch ID": the exec'd child reports the segment's attach count (its own attach is gone).
  if (argc == 3 && !strcmp(argv[1], "nattch")) {
    printf("after exec: nattch %lu\n", nattch(atoi(argv[2])));
    return 0;
  }
  ipc_setup();
  const char *r;
  printf("size 0: %s\n", e(shmget(IPC_PRIVATE, 0, 0600)));
  int id = track(SHM, shmget(IPC_PRIVATE, 10000, 0600));
  printf("shmget 10000: %s\n", e(id));
  struct shmid_ds ds;
  shm_stat(id, &ds);
  printf("new: segsz %zu nattch %lu mode %o cpid me %d lpid %d atime %d dtime %d ctime %d\n", ds.shm_segsz,
    (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 07777, ds.shm_cpid == getpid(), ds.shm_lpid, ds.shm_atime != 0,
    ds.shm_dtime != 0, ds.shm_ctime != 0);
  char *p = shmat(id, NULL, 0);
  printf("shmat: %s, page aligned %d\n", e(p == (void *)-1 ? -1 : 0), ((unsigned long)p & 4095) == 0);
  printf("fresh memory is zero: %d %d\n", p[0], p[9999]);
  strcpy(p, "parent wrote this");
  strcpy(p + 8192, "third page");
  shm_stat(id, &ds);
  printf("attached: nattch %lu lpid me %d atime %d\n", (unsigned long)ds.shm_nattch, ds.shm_lpid == getpid(), ds.shm_atime != 0);
  maps_line(p);

  // A second attach in the same process sees the same bytes.
  char *q = shmat(id, NULL, SHM_RDONLY);
  printf("second attach read-only: %s, sees '%s', '%s', nattch %lu\n", e(q == (void *)-1 ? -1 : 0), q, q + 8192, nattch(id));
  maps_line(q);
  signal(SIGSEGV, on_segv);
  if (!sigsetjmp(fault, 1)) { q[0] = 'X'; printf("write through the read-only attach: no fault\n"); }
  else printf("write through the read-only attach: SIGSEGV\n");
  signal(SIGSEGV, SIG_DFL);
  printf("mprotect the read-only attach writable: %s\n", e(mprotect(q, 4096, PROT_READ | PROT_WRITE)));
  printf("mprotect it executable: %s\n", e(mprotect(q, 4096, PROT_READ | PROT_EXEC)));
  r = e(shmdt(q));
  printf("shmdt second: %s, nattch %lu\n", r, nattch(id));
  printf("shmdt again: %s\n", e(shmdt(q)));
  printf("shmdt inside the attach: %s\n", e(shmdt(p + 4096)));
  printf("shmdt unaligned: %s\n", e(shmdt(p + 1)));

  // fork: the child's copy of the attach counts, and both see each other's stores.
  int up[2], down[2];
  if (pipe(up) || pipe(down)) return 1;
  pid_t c = fork();
  if (c == 0) {
    char b;
    printf("child: sees '%s', nattch %lu\n", p, nattch(id));
    strcpy(p + 100, "child wrote this");
    char *own = shmat(id, NULL, 0);
    printf("child: own attach sees '%s', nattch %lu\n", own + 100, nattch(id));
    if (write(up[1], "x", 1) != 1 || read(down[0], &b, 1) != 1) _exit(1);
    printf("child: sees the parent's answer '%s'\n", own + 200);
    _exit(0);
  }
  char b;
  if (read(up[0], &b, 1) != 1) return 1;
  printf("parent: sees '%s', nattch %lu\n", p + 100, nattch(id));
  strcpy(p + 200, "parent answers");
  if (write(down[1], "x", 1) != 1) return 1;
  int st = reap(c);
  printf("child %d, nattch after its exit %lu\n", st, nattch(id));

  // exec drops the attach the child inherited.
  c = fork();
  if (c == 0) {
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    printf("child before exec: nattch %lu\n", nattch(id));
    execl("/proc/self/exe", argv[0], "nattch", ids, (char *)NULL);
    _exit(127);
  }
  st = reap(c);
  printf("exec'd child %d\n", st);

  // Attaching at an address.
  void *at = mmap(NULL, 64 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(at, 64 * 4096);
  char *want = (char *)at + 8 * 4096;
  char *r1 = shmat(id, want, 0);
  printf("shmat at a free address: %d, sees '%s'\n", r1 == want, r1 == (void *)-1 ? "" : r1);
  errno = 0;
  char *r2 = shmat(id, want + 100, 0);
  printf("unaligned without SHM_RND: %s\n", e(r2 == (void *)-1 ? -1 : 0));
  r2 = shmat(id, want + 4096 + 100, SHM_RND);
  printf("unaligned with SHM_RND over an attach: %s\n", e(r2 == (void *)-1 ? -1 : 0));
  r2 = shmat(id, want + 4096 + 100, SHM_RND | SHM_REMAP);
  printf("with SHM_REMAP: at the rounded address %d, nattch %lu\n", r2 == want + 4096, nattch(id));
  printf("SHM_REMAP without an address: %s\n", e(shmat(id, NULL, SHM_REMAP) == (void *)-1 ? -1 : 0));
  r = e(shmdt(r1));
  printf("shmdt the first (cut short by the second): %s, nattch %lu\n", r, nattch(id));
  r = e(shmdt(r2));
  printf("shmdt the second: %s, nattch %lu\n", r, nattch(id));
  char *x = shmat(id, NULL, SHM_EXEC | SHM_RDONLY);
  printf("SHM_EXEC attach: %s\n", e(x == (void *)-1 ? -1 : 0));
  maps_line(x);
  shmdt(x);

  // Detached, the bytes stay; IPC_RMID while attached only marks the segment.
  shmdt(p);
  shm_stat(id, &ds);
  printf("all detached: nattch %lu dtime %d lpid me %d\n", (unsigned long)ds.shm_nattch, ds.shm_dtime != 0, ds.shm_lpid == getpid());
  p = shmat(id, NULL, 0);
  printf("attached again: '%s' '%s'\n", p, p + 100);
  printf("IPC_RMID while attached: %s\n", e(shmctl(id, IPC_RMID, NULL)));
  shm_stat(id, &ds);
  printf("marked: mode %o (SHM_DEST %d) key %d nattch %lu\n", ds.shm_perm.mode & 0777, (ds.shm_perm.mode & SHM_DEST) != 0,
    ds.shm_perm.__key, (unsigned long)ds.shm_nattch);
  char *again = shmat(id, NULL, 0);
  printf("a marked segment can still be attached: %s, sees '%s'\n", e(again == (void *)-1 ? -1 : 0), again == (void *)-1 ? "" : again);
  shmdt(again);
  printf("still there: %s\n", e(shm_stat(id, &ds)));
  shmdt(p);
  printf("after the last detach: %s\n", e(shm_stat(id, &ds)));

  // pmap's way to learn the shm device: open /proc/self/maps, attach, then read.
  FILE *mf = fopen("/proc/self/maps", "r");
  char *probe = shmat(kid0(), NULL, SHM_RDONLY);
  int seen = 0;
  char ml[512];
  while (mf && fgets(ml, sizeof ml, mf)) if (strstr(ml, "/SYSV") && strtoul(ml, NULL, 16) == (unsigned long)probe) seen = 1;
  if (mf) fclose(mf);
  printf("maps opened before the attach shows it: %d\n", seen);
  shmdt(probe);

  // Keys.
  key_t key = fresh_key(probe_shm);
  int kid = shmget(key, 4096, 0);
  printf("shmget by key: %s, same id %d\n", e(kid), kid == made[nmade - 1].id);
  printf("larger than the segment: %s\n", e(shmget(key, 8193, 0)));
  printf("size 0 finds it: %d\n", shmget(key, 0, 0) == kid);
  printf("IPC_CREAT|IPC_EXCL: %s\n", e(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600)));
  printf("no such key: %s\n", e(shmget(key ^ 0x5a5a, 4096, 0)));
  struct shminfo si;
  int maxidx = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
  printf("IPC_INFO: %d shmmax %lu shmmin %lu shmmni %lu shmall %lu\n", maxidx >= 0, si.shmmax, si.shmmin, si.shmmni, si.shmall);
  print_sysctl("shmmax");
  print_sysctl("shmall");
  print_sysctl("shmmni");
  printf("SHM_STAT of its index is its id: %d\n", shmctl(kid & 0x7fff, SHM_STAT, &ds) == kid);
  printf("SHM_LOCK: %s\n", e(shmctl(kid, SHM_LOCK, NULL)));
  shm_stat(kid, &ds);
  printf("locked: %d\n", (ds.shm_perm.mode & SHM_LOCKED) != 0);
  printf("SHM_UNLOCK: %s\n", e(shmctl(kid, SHM_UNLOCK, NULL)));
  shm_stat(kid, &ds);
  printf("unlocked: %d\n", (ds.shm_perm.mode & SHM_LOCKED) == 0);

  // IPC_SET, then an ordinary user.
  ds.shm_perm.mode = 0604;
  printf("IPC_SET 0604: %s\n", e(shmctl(kid, IPC_SET, &ds)));
  int priv = track(SHM, shmget(IPC_PRIVATE, 4096, 0600));
  char *kp = shmat(kid, NULL, 0);
  strcpy(kp, "root's words");
  c = fork();
  if (c == 0) {
    if (setgroups(0, NULL) || setgid(1000) || setuid(1000)) _exit(1);
    printf("user: shmget for read: %s\n", e(shmget(key, 0, 0400)));
    printf("user: shmget for write: %s\n", e(shmget(key, 0, 0600)));
    char *rw = shmat(kid, NULL, 0);
    printf("user: attach read-write: %s\n", e(rw == (void *)-1 ? -1 : 0));
    char *ro = shmat(kid, NULL, SHM_RDONLY);
    printf("user: attach read-only: %s, sees '%s'\n", e(ro == (void *)-1 ? -1 : 0), ro == (void *)-1 ? "" : ro);
    struct shmid_ds d;
    printf("user: IPC_STAT on 0604: %s\n", e(shmctl(kid, IPC_STAT, &d)));
    printf("user: IPC_STAT on 0600: %s\n", e(shmctl(priv, IPC_STAT, &d)));
    printf("user: SHM_STAT_ANY on 0600: %s\n", e(shmctl(priv & 0x7fff, SHM_STAT_ANY, &d)));
    printf("user: IPC_RMID: %s\n", e(shmctl(priv, IPC_RMID, NULL)));
    printf("user: IPC_SET: %s\n", e(shmctl(priv, IPC_SET, &d)));
    printf("user: SHM_LOCK: %s\n", e(shmctl(priv, SHM_LOCK, NULL)));
    printf("user: attach 0600: %s\n", e(shmat(priv, NULL, SHM_RDONLY) == (void *)-1 ? -1 : 0));
    _exit(0);
  }
  printf("user child: %d\n", reap(c));
  char line[512];
  if (sysvipc_line("shm", kid, line, sizeof line)) {
    unsigned mode; unsigned long size, nat;
    sscanf(line, "%o %lu %*d %*d %lu", &mode, &size, &nat);
    printf("/proc/sysvipc/shm: perms %o size %lu nattch %lu\n", mode, size, nat);
  } else printf("/proc/sysvipc/shm: no line\n");
  shmdt(kp);
  r = e(shmctl(kid, IPC_RMID, NULL));
  printf("IPC_RMID: %s, again: %s\n", r, e(shmctl(kid, IPC_RMID, NULL)));
  printf("gone from /proc/sysvipc/shm: %d\n", !sysvipc_line("shm", kid, line, sizeof line));
  return 0;
}

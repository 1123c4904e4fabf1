// System V message queues: msgsnd/msgrcv with type selection (0, >0, <0, MSG_EXCEPT), MSG_NOERROR
// and E2BIG, IPC_NOWAIT, MSG_COPY, waits both ways on msg_qbytes woken by another process, by a
// signal (EINTR even with SA_RESTART) and by IPC_RMID (EIDRM), msgctl, permissions as an
// ordinary user, /proc/sysvipc/msg.
#include "ipc_common.h"
#include <grp.h>
#include <limits.h>

#ifndef MSG_COPY
#define MSG_COPY 040000 // Linux 3.8; musl does not name it
#endif

struct msg { long type; char text[128]; };

static int snd(int q, long type, const char *text, int flg) {
  struct msg m = { type, "" };
  size_t n = strlen(text);
  memcpy(m.text, text, n);
  return msgsnd(q, &m, n, flg);
}

/** Receives into a fresh buffer and prints what came (or the error). */
static void rcv(int q, const char *what, size_t size, long type, int flg) {
  struct msg m;
  memset(&m, 0, sizeof m);
  ssize_t n = msgrcv(q, &m, size, type, flg);
  if (n < 0) printf("%s: %s\n", what, e(n));
  else printf("%s: %zd bytes, type %ld, '%.*s'\n", what, n, m.type, (int)n, m.text);
}

static void stat_line(int q, const char *when) {
  struct msqid_ds ds;
  if (msgctl(q, IPC_STAT, &ds)) { printf("%s: IPC_STAT %s\n", when, e(-1)); return; }
  printf("%s: qnum %lu cbytes %lu qbytes %lu lspid me %d lrpid me %d\n", when, (unsigned long)ds.msg_qnum,
    (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes, ds.msg_lspid == getpid(), ds.msg_lrpid == getpid());
}

static int probe_msg(key_t k) {
  int id = msgget(k, IPC_CREAT | IPC_EXCL | 0600);
  if (id < 0) return 0;
  track(MSG, id);
  return 1;
}

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got++; }

int main(void) {
  ipc_setup();
  int q = track(MSG, msgget(IPC_PRIVATE, 0600));
  printf("msgget private: %s\n", e(q));
  stat_line(q, "empty");
  struct msqid_ds ds;
  msgctl(q, IPC_STAT, &ds);
  printf("mode %o, stime %d rtime %d ctime %d\n", ds.msg_perm.mode & 0777, ds.msg_stime != 0, ds.msg_rtime != 0, ds.msg_ctime != 0);
  printf("send type 0: %s\n", e(snd(q, 0, "x", 0)));
  printf("send type -1: %s\n", e(snd(q, -1, "x", 0)));
  static char huge[8200 + sizeof(long)];
  printf("send 8193 bytes: %s\n", e(msgsnd(q, huge, 8193, 0)));
  printf("send 0 bytes: %s\n", e(snd(q, 1, "", 0)));
  rcv(q, "the empty one", 100, 0, 0);
  printf("send from a bad address: %s\n", e(msgsnd(q, (void *)8, 4, 0)));
  rcv(q, "receive from an empty queue, nowait", 100, 0, IPC_NOWAIT);

  snd(q, 1, "one", 0);
  snd(q, 2, "two", 0);
  snd(q, 3, "three", 0);
  snd(q, 1, "one again", 0);
  snd(q, 5, "five", 0);
  stat_line(q, "five queued");
  rcv(q, "MSG_COPY index 1", 100, 1, MSG_COPY | IPC_NOWAIT);
  rcv(q, "MSG_COPY index 9", 100, 9, MSG_COPY | IPC_NOWAIT);
  rcv(q, "MSG_COPY without IPC_NOWAIT", 100, 1, MSG_COPY);
  rcv(q, "type 2", 100, 2, 0);
  rcv(q, "type -4 (lowest up to 4)", 100, -4, 0);
  rcv(q, "type 1 with MSG_EXCEPT", 100, 1, MSG_EXCEPT);
  rcv(q, "type 4, nowait", 100, 4, IPC_NOWAIT);
  rcv(q, "3 bytes of 'one again'", 3, 0, 0);
  rcv(q, "3 bytes with MSG_NOERROR", 3, 0, MSG_NOERROR);
  rcv(q, "what is left", 100, LONG_MIN, 0);
  rcv(q, "negative size", -1, 0, IPC_NOWAIT);
  stat_line(q, "drained");

  // A receiver waits until another process sends.
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    if (!wait_sleeping(parent)) _exit(1);
    snd(q, 7, "from the child", 0);
    _exit(0);
  }
  rcv(q, "wait for type 7", 100, 7, 0);
  printf("child: %d\n", reap(c));

  // A sender waits while the queue is full (msg_qbytes lowered with IPC_SET).
  msgctl(q, IPC_STAT, &ds);
  ds.msg_qbytes = 100;
  printf("IPC_SET qbytes 100: %s\n", e(msgctl(q, IPC_SET, &ds)));
  char sixty[61];
  memset(sixty, 'a', 60);
  sixty[60] = 0;
  printf("send 60: %s\n", e(snd(q, 1, sixty, 0)));
  printf("send 60 more, nowait: %s\n", e(snd(q, 1, sixty, IPC_NOWAIT)));
  c = fork();
  if (c == 0) {
    sixty[0] = 'b';
    // The child says nothing itself: its line would race the parent's.
    _exit(snd(q, 2, sixty, 0) == 0 ? 0 : 10 + errno);
  }
  if (!wait_sleeping(c)) printf("the sender did not wait\n");
  struct msg m;
  ssize_t n = msgrcv(q, &m, sizeof m.text, 1, 0);
  printf("took the first: %zd\n", n);
  int st = reap(c);
  printf("child: %d\n", st);
  n = msgrcv(q, &m, sizeof m.text, 0, IPC_NOWAIT);
  printf("then the child's: %zd, type %ld, starts with %c\n", n, m.type, m.text[0]);
  ds.msg_qbytes = 16384;
  msgctl(q, IPC_SET, &ds);

  // A signal ends a wait with EINTR, with SA_RESTART too.
  struct sigaction sa = { 0 };
  sa.sa_handler = on_usr1;
  for (int restart = 0; restart < 2; restart++) {
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) {
      if (!wait_sleeping(parent)) _exit(1);
      kill(parent, SIGUSR1);
      _exit(0);
    }
    n = msgrcv(q, &m, sizeof m.text, 0, 0);
    const char *r = e(n);
    printf("signal (SA_RESTART %d): %s, handler ran %d, child %d\n", restart, r, (int)got, reap(c));
  }

  // IPC_RMID wakes a waiting receiver with EIDRM.
  int gone = track(MSG, msgget(IPC_PRIVATE, 0600));
  c = fork();
  if (c == 0) {
    n = msgrcv(gone, &m, sizeof m.text, 0, 0);
    printf("child: wait on a removed queue: %s\n", e(n));
    _exit(0);
  }
  wait_sleeping(c);
  const char *r = e(msgctl(gone, IPC_RMID, NULL));
  printf("IPC_RMID: %s, child %d\n", r, reap(c));
  r = e(snd(gone, 1, "x", 0));
  printf("send after IPC_RMID: %s, IPC_STAT: %s\n", r, e(msgctl(gone, IPC_STAT, &ds)));

  // Keys, IPC_INFO, and an ordinary user.
  key_t key = fresh_key(probe_msg);
  int kq = msgget(key, 0);
  printf("msgget by key: %s, same id %d\n", e(kq), kq == made[nmade - 1].id);
  printf("IPC_CREAT|IPC_EXCL: %s\n", e(msgget(key, IPC_CREAT | IPC_EXCL | 0600)));
  printf("IPC_CREAT finds it: %d\n", msgget(key, IPC_CREAT | 0600) == kq);
  struct msginfo mi;
  int maxidx = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
  printf("IPC_INFO: %d msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %d\n", maxidx >= 0, mi.msgmax, mi.msgmnb, mi.msgmni,
    mi.msgssz, mi.msgseg);
  print_sysctl("msgmax");
  print_sysctl("msgmnb");
  print_sysctl("msgmni");
  snd(kq, 4, "four", 0);
  msgctl(kq, IPC_STAT, &ds);
  ds.msg_perm.mode = 0604;
  printf("IPC_SET 0604: %s\n", e(msgctl(kq, IPC_SET, &ds)));
  stat_line(kq, "one queued");
  c = fork();
  if (c == 0) {
    if (setgroups(0, NULL) || setgid(1000) || setuid(1000)) _exit(1);
    printf("user: msgget for read: %s\n", e(msgget(key, 0400)));
    printf("user: msgget for write: %s\n", e(msgget(key, 0200)));
    printf("user: send: %s\n", e(snd(kq, 1, "x", IPC_NOWAIT)));
    rcv(kq, "user: receive", 100, 0, IPC_NOWAIT);
    struct msqid_ds d;
    printf("user: IPC_STAT: %s\n", e(msgctl(kq, IPC_STAT, &d)));
    printf("user: IPC_RMID: %s\n", e(msgctl(kq, IPC_RMID, NULL)));
    printf("user: IPC_SET: %s\n", e(msgctl(kq, IPC_SET, &d)));
    _exit(0);
  }
  printf("user child: %d\n", reap(c));
  char line[512];
  snd(kq, 4, "more", 0);
  if (sysvipc_line("msg", kq, line, sizeof line)) {
    unsigned mode; unsigned long cbytes, qnum;
    sscanf(line, "%o %lu %lu", &mode, &cbytes, &qnum);
    printf("/proc/sysvipc/msg: perms %o cbytes %lu qnum %lu\n", mode, cbytes, qnum);
  } else printf("/proc/sysvipc/msg: no line\n");
  printf("MSG_STAT of its index is its id: %d\n", msgctl(kq & 0x7fff, MSG_STAT, &ds) == kq);
  r = e(msgctl(kq, IPC_RMID, NULL));
  printf("IPC_RMID: %s, again: %s\n", r, e(msgctl(kq, IPC_RMID, NULL)));
  printf("gone from /proc/sysvipc/msg: %d\n", !sysvipc_line("msg", kq, line, sizeof line));
  return 0;
}

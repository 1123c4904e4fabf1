// Signals and threads: pthread_kill targets one thread; a process-directed signal goes to the
// thread that does not block it; sigwait in a dedicated thread; a SIGEV_THREAD timer (glibc runs
// it on a helper thread through SIGEV_THREAD_ID); per-thread masks survive pthread_create.
//! status: 0
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static volatile pid_t handler_tid[8];
static volatile int nh;
static pid_t worker_tid;
static pthread_barrier_t bar;
static volatile int stop;

static void handler(int sig) { if (nh < 8) handler_tid[nh] = gettid(); nh++; }

static void *worker(void *arg) {
  worker_tid = gettid();
  pthread_barrier_wait(&bar);
  while (!stop) usleep(1000);
  return NULL;
}

static void *waiter(void *arg) {
  sigset_t *set = arg;
  int sig = 0;
  sigwait(set, &sig);
  return (void *)(long)sig;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int fired;
static int timer_value;
static void on_timer(union sigval v) {
  pthread_mutex_lock(&mu);
  fired++;
  timer_value = v.sival_int;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, handler);
  pthread_barrier_init(&bar, NULL, 2);
  pthread_t w;
  pthread_create(&w, NULL, worker, NULL);
  pthread_barrier_wait(&bar);

  // Directed at the worker: its handler runs on the worker.
  pthread_kill(w, SIGUSR1);
  while (nh < 1) usleep(1000);
  printf("pthread_kill: ran on worker=%d\n", handler_tid[0] == worker_tid);

  // Process-directed while main blocks SIGUSR1: only the worker can take it.
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &m, NULL);
  kill(getpid(), SIGUSR1);
  while (nh < 2) usleep(1000);
  printf("kill with main blocking: ran on worker=%d\n", handler_tid[1] == worker_tid);
  stop = 1;
  pthread_join(w, NULL);

  // The mask is inherited: a new thread blocks SIGUSR1 too, and sigwait takes it there.
  pthread_t wt;
  pthread_create(&wt, NULL, waiter, &m);
  usleep(20000);
  kill(getpid(), SIGUSR1);
  void *r;
  pthread_join(wt, &r);
  printf("sigwait in a thread: sig=%ld handlers=%d\n", (long)r, nh);
  pthread_sigmask(SIG_UNBLOCK, &m, NULL);

  // SIGEV_THREAD: the callback runs on a thread glibc creates.
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_THREAD;
  sev.sigev_notify_function = on_timer;
  sev.sigev_value.sival_int = 31337;
  timer_t tid;
  if (timer_create(CLOCK_MONOTONIC, &sev, &tid) != 0) { perror("timer_create"); return 1; }
  struct itimerspec ts = { { 0, 0 }, { 0, 20 * 1000 * 1000 } };
  timer_settime(tid, 0, &ts, NULL);
  pthread_mutex_lock(&mu);
  while (!fired) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  timer_delete(tid);
  printf("SIGEV_THREAD timer: fired=%d value=%d\n", fired, timer_value);
  return 0;
}

// pthread create/join, a mutex-protected counter, a condition variable hand-off, TLS and errno per thread.
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#define N 4
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static __thread int tls_value;
static void *worker(void *arg) {
  int id = (int)(long)arg;
  tls_value = id * 100;
  errno = id;
  for (int i = 0; i < 10000; i++) { pthread_mutex_lock(&mu); counter++; pthread_mutex_unlock(&mu); }
  pthread_mutex_lock(&mu);
  while (turn != id) pthread_cond_wait(&cv, &mu);
  printf("thread %d: tls %d errno %d\n", id, tls_value, errno);
  turn++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return (void *)(long)(id * 2);
}
int main(void) {
  pthread_t th[N];
  tls_value = -1;
  errno = 0;
  for (long i = 0; i < N; i++) pthread_create(&th[i], NULL, worker, (void *)i);
  long sum = 0;
  for (int i = 0; i < N; i++) { void *r; pthread_join(th[i], &r); sum += (long)r; }
  printf("counter %ld sum %ld main tls %d errno %d\n", counter, sum, tls_value, errno);
  return 0;
}

// The /proc files ps, top, pgrep and language runtimes read: /proc/stat (btime, cpu lines),
// /proc/<pid>/{statm,comm,limits,cgroup,task/<tid>/...}, /proc/version and /proc/sys values;
// checked for Linux's shapes and for agreeing with what the process knows (pids, thread ids,
// thread names, rlimits, times), since the values themselves differ between machines.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

static char buf[1 << 16];

static long slurp(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { buf[0] = 0; return -1; }
  long n = 0, r;
  while (n < (long)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  buf[n] = 0;
  close(fd);
  return n;
}

static int count_fields(const char *s) {
  int n = 0, in = 0;
  for (; *s && *s != '\n'; s++) {
    if (*s == ' ') in = 0;
    else if (!in) { in = 1; n++; }
  }
  return n;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, done;
static pid_t worker_tid;

static void *worker(void *arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "worker-one");
  pthread_mutex_lock(&mu);
  worker_tid = syscall(SYS_gettid);
  ready = 1;
  pthread_cond_broadcast(&cv);
  while (!done) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(void) {
  // /proc/stat: an aggregate cpu line with ten counters, one line per CPU, btime near now - uptime.
  printf("stat readable: %d\n", slurp("/proc/stat") > 0);
  printf("cpu line has 11 fields: %d\n", strncmp(buf, "cpu ", 4) == 0 && count_fields(buf) == 11);
  printf("cpu0 line: %d\n", strstr(buf, "\ncpu0 ") != NULL);
  char *bt = strstr(buf, "\nbtime ");
  long btime = bt ? atol(bt + 7) : 0;
  struct sysinfo si;
  sysinfo(&si);
  long drift = labs(btime - (time(NULL) - si.uptime));
  printf("btime agrees with sysinfo: %d\n", bt && drift <= 2);
  printf("processes line: %d\n", strstr(buf, "\nprocesses ") != NULL);
  printf("procs_running line: %d\n", strstr(buf, "\nprocs_running ") != NULL);

  // /proc/vmstat (vmstat(8) refuses to start without it).
  slurp("/proc/vmstat");
  printf("vmstat has nr_free_pages, pgpgin, pswpin: %d\n", !strncmp(buf, "nr_free_pages ", 14) && strstr(buf, "\npgpgin ") && strstr(buf, "\npswpin "));

  // /proc/self/stat has 52 fields, a start time not after now, and statm 7 page counts.
  slurp("/proc/self/stat");
  char *after = strrchr(buf, ')');
  printf("stat fields: %d\n", after ? 2 + count_fields(after + 2) : -1);
  unsigned long long start = 0;
  if (after) {
    char *p = after + 2;
    for (int field = 3; field < 22; field++) p = strchr(p, ' ') + 1;
    start = strtoull(p, NULL, 10);
  }
  long hz = sysconf(_SC_CLK_TCK);
  printf("started after boot, not in the future: %d\n", start / hz <= (unsigned long long)si.uptime + 1);
  slurp("/proc/self/statm");
  printf("statm fields: %d\n", count_fields(buf));

  // comm, limits, cgroup.
  slurp("/proc/self/comm");
  printf("comm: %s", buf);
  slurp("/proc/self/limits");
  printf("limits header: %.25s|\n", buf);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  char want[128];
  snprintf(want, sizeof want, "Max open files            %-20llu %-20llu files", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  printf("limits row for RLIMIT_NOFILE matches getrlimit: %d\n", strstr(buf, want) != NULL);
  printf("limits rows: %d\n", (int)(strchr(buf, 0) - buf > 0 ? ({ int n = 0; for (char *p = buf; *p; p++) n += *p == '\n'; n; }) : 0));
  slurp("/proc/self/cgroup");
  // "hierarchy-ID:controllers:path" lines (v1 hosts list several, v2 has "0::/…").
  int colons = 0;
  for (char *p = buf; *p && *p != '\n'; p++) colons += *p == ':';
  printf("cgroup line shape: %d\n", colons >= 2 && buf[0] >= '0' && buf[0] <= '9');

  // mountinfo: the root mount's line has "/" as its fifth field and a " - " before the type.
  slurp("/proc/self/mountinfo");
  int root_line = 0;
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    unsigned id, parent, maj, min;
    char root[256], point[256];
    if (sscanf(line, "%u %u %u:%u %255s %255s", &id, &parent, &maj, &min, root, point) == 6 && !strcmp(point, "/")) {
      char *nl = strchr(line, '\n'), *sep = strstr(line, " - ");
      root_line = sep && (!nl || sep < nl);
    }
  }
  printf("mountinfo root line: %d\n", root_line);

  // task/: the main thread and a named worker, each with stat, status and comm.
  pthread_t th;
  pthread_create(&th, NULL, worker, NULL);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  DIR *d = opendir("/proc/self/task");
  int tasks = 0, saw_main = 0, saw_worker = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    tasks++;
    if (atoi(e->d_name) == getpid()) saw_main = 1;
    if (atoi(e->d_name) == worker_tid) saw_worker = 1;
  }
  if (d) closedir(d);
  printf("tasks %d, main %d, worker %d\n", tasks, saw_main, saw_worker);
  char path[128];
  snprintf(path, sizeof path, "/proc/self/task/%d/comm", worker_tid);
  slurp(path);
  printf("worker comm: %s", buf);
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", worker_tid);
  slurp(path);
  printf("worker stat starts with its tid: %d\n", atoi(buf) == worker_tid);
  printf("worker stat names it: %d\n", strstr(buf, "(worker-one)") != NULL);
  snprintf(path, sizeof path, "/proc/self/task/%d/status", worker_tid);
  slurp(path);
  char pidline[64], tgidline[64];
  snprintf(pidline, sizeof pidline, "\nPid:\t%d\n", worker_tid);
  snprintf(tgidline, sizeof tgidline, "\nTgid:\t%d\n", getpid());
  printf("worker status Pid/Tgid: %d %d\n", strstr(buf, pidline) != NULL, strstr(buf, tgidline) != NULL);
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);

  // A child's directory, seen from the parent.
  pid_t c = fork();
  if (c == 0) { pause(); _exit(0); }
  snprintf(path, sizeof path, "/proc/%d/stat", c);
  slurp(path);
  char *ppid = strrchr(buf, ')');
  printf("child stat ppid is us: %d\n", ppid && atoi(ppid + 4) == getpid());
  kill(c, 9);
  waitpid(c, NULL, 0);

  // /proc/version and /proc/sys.
  slurp("/proc/version");
  printf("version: %.14s\n", buf);
  slurp("/proc/sys/kernel/ostype");
  printf("ostype: %s", buf);
  slurp("/proc/sys/kernel/pid_max");
  printf("pid_max plausible: %d\n", atol(buf) >= 32768);
  slurp("/proc/sys/kernel/cap_last_cap");
  printf("cap_last_cap plausible: %d\n", atoi(buf) >= 36);
  slurp("/proc/sys/kernel/random/boot_id");
  char boot[64];
  snprintf(boot, sizeof boot, "%s", buf);
  slurp("/proc/sys/kernel/random/boot_id");
  printf("boot_id stable: %d, length %zu\n", strcmp(boot, buf) == 0, strlen(buf));
  slurp("/proc/sys/kernel/random/uuid");
  char u1[64];
  snprintf(u1, sizeof u1, "%s", buf);
  slurp("/proc/sys/kernel/random/uuid");
  printf("uuid fresh: %d, version 4: %d\n", strcmp(u1, buf) != 0, buf[14] == '4');
  slurp("/proc/sys/net/core/somaxconn");
  printf("somaxconn plausible: %d\n", atoi(buf) >= 128);
  slurp("/proc/sys/vm/overcommit_memory");
  printf("overcommit_memory: %d\n", atoi(buf) >= 0 && atoi(buf) <= 2);
  return 0;
}

// Signals and time, checked against the host kernel: small C programs (some with raw system calls
// and assembly handlers) run natively and under wasl; stdout and the exit status must match. The
// larger signal guests (test/guest/sig_*.c) run in test/differential.test.mjs.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync, renameSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { waslNodeArgs } from "./lib/run.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = join(root, "test", ".cache", "kernel_sig");
const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/nonexistent", LANG: "C", TZ: "UTC" };

/** Compiles C source (gcc -O2 -static) into the content-addressed cache. */
function build(name, source) {
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const out = join(cacheDir, hash, name);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const src = `${out}.c`;
  writeFileSync(src, source);
  const tmp = `${out}.tmp${process.pid}`;
  const r = spawnSync("gcc", ["-O2", "-static", "-w", "-o", tmp, src, "-lm"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc failed for ${name}: ${r.stderr}`);
  renameSync(tmp, out);
  return out;
}

const SIGNUM = { SIGSEGV: 11, SIGUSR1: 10, SIGALRM: 14, SIGTERM: 15, SIGKILL: 9, SIGABRT: 6 };
function native(path) {
  const r = spawnSync(path, [], { env, timeout: 20000 });
  return { status: r.status ?? 128 + (SIGNUM[r.signal] ?? 0), stdout: r.stdout.toString() };
}
function wasl(path) {
  const r = spawnSync(process.execPath, waslNodeArgs("exec", path), { env, timeout: 60000 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
/** Runs both ways and asserts equal output and status; returns the native run. */
function same(name, source, expectStatus) {
  const bin = build(name, source);
  const n = native(bin), w = wasl(bin);
  if (expectStatus !== undefined) assert.is(n.status, expectStatus, "native status (the test itself is wrong)");
  assert.ok(n.stdout.length > 0, "native printed nothing");
  assert.is(w.stdout, n.stdout, `stdout differs; wasl stderr: ${w.stderr}`);
  assert.is(w.status, n.status, `status differs; wasl stderr: ${w.stderr}`);
  return n;
}

// A handler installed with a raw rt_sigaction (our own restorer), so the frame is exactly what
// the kernel built, with no libc in between.
const RAW = `
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
struct ksa { void *handler; unsigned long flags; void *restorer; unsigned long mask; };
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000
#define SA_RESTART 0x10000000
extern void restorer(void);
__asm__(".text\\nrestorer:\\n\\tmov $15, %eax\\n\\tsyscall\\n\\thlt\\n");
static int install(int sig, void *h, unsigned long flags) {
  struct ksa sa = { h, flags, restorer, 0 };
  return syscall(SYS_rt_sigaction, sig, &sa, 0, 8);
}
static void raw_kill(int sig) { syscall(SYS_kill, getpid(), sig); }
`;

const frame = suite("signal frame");

frame("handler entry registers: rdi=sig, rsi=&siginfo, rdx=&ucontext, rax=0, rsp+8 16-aligned, return to the restorer", () => {
  same("entry", RAW + `
uint64_t e_rdi, e_rsi, e_rdx, e_rax, e_rsp, e_ret, e_flags;
extern void entry_handler(void);
__asm__(".text\\nentry_handler:\\n"
  "\\tmov %rdi, e_rdi(%rip)\\n\\tmov %rsi, e_rsi(%rip)\\n\\tmov %rdx, e_rdx(%rip)\\n\\tmov %rax, e_rax(%rip)\\n"
  "\\tmov %rsp, e_rsp(%rip)\\n\\tmov (%rsp), %rax\\n\\tmov %rax, e_ret(%rip)\\n"
  "\\tpushfq\\n\\tpop %rax\\n\\tmov %rax, e_flags(%rip)\\n\\tret\\n");
int main(void) {
  install(10, entry_handler, SA_SIGINFO | SA_RESTORER);
  __asm__ volatile("std");  /* DF is cleared for the handler and restored after */
  raw_kill(10);
  uint64_t f; __asm__ volatile("pushfq; pop %0; cld" : "=r"(f));
  printf("rdi=%lu rsi-rsp=%lu rdx-rsp=%lu rax=%lu rsp%%16=%lu ret=restorer:%d\\n", e_rdi, e_rsi - e_rsp, e_rdx - e_rsp,
         e_rax, e_rsp % 16, e_ret == (uint64_t)restorer);
  printf("DF in handler=%lu DF after=%lu\\n", (e_flags >> 10) & 1, (f >> 10) & 1);
  uint32_t *info = (uint32_t *)e_rsi;
  printf("siginfo signo=%u code=%d pid ok=%d\\n", info[0], (int)info[2], (int)info[4] == getpid());
  return 0;
}`, 0);
});

frame("the 128-byte red zone below rsp survives a handler that uses its stack", () => {
  same("redzone", RAW + `
static void busy(int sig) { volatile char big[4096]; memset((char *)big, 0x55, sizeof big); }
int main(void) {
  install(10, busy, SA_RESTORER);
  long bad;
  __asm__ volatile(
    "mov $-128, %%rcx\\n1:\\n\\tmov %%ecx, (%%rsp,%%rcx)\\n\\tadd $4, %%rcx\\n\\tjnz 1b\\n"
    "mov $62, %%eax\\n\\tmov %1, %%edi\\n\\tmov $10, %%esi\\n\\tsyscall\\n"
    "xor %0, %0\\n\\tmov $-128, %%rcx\\n2:\\n\\tcmp %%ecx, (%%rsp,%%rcx)\\n\\tje 3f\\n\\tinc %0\\n3:\\n\\tadd $4, %%rcx\\n\\tjnz 2b\\n"
    : "=&r"(bad) : "r"(getpid()) : "rax", "rcx", "rdx", "rdi", "rsi", "r11", "memory");
  printf("red zone words clobbered: %ld\\n", bad);
  return 0;
}`, 0);
});

frame("a handler without SA_RESTORER cannot be entered: the process dies of SIGSEGV", () => {
  same("norestorer", RAW + `
static void h(int sig) { puts("handler ran"); }
int main(void) {
  struct ksa sa = { h, 0, 0, 0 };
  syscall(SYS_rt_sigaction, 10, &sa, 0, 8);
  puts("raising"); fflush(stdout);
  raw_kill(10);
  puts("survived");
  return 0;
}`, 139);
});

frame("sigreturn with reserved MXCSR bits in the frame's FP state dies of SIGSEGV", () => {
  same("badfp", RAW + `
#include <ucontext.h>
static void h(int sig, void *si, void *ucv) {
  ucontext_t *uc = ucv;
  unsigned *mxcsr = (unsigned *)((char *)uc->uc_mcontext.fpregs + 24);
  *mxcsr = 0xffffffff;
}
int main(void) {
  install(10, h, SA_SIGINFO | SA_RESTORER);
  puts("raising"); fflush(stdout);
  raw_kill(10);
  puts("survived");
  return 0;
}`, 139);
});

frame("SIGKILL and SIGSTOP cannot be caught, ignored or blocked", () => {
  same("uncatchable", `
#include <signal.h>
#include <stdio.h>
#include <errno.h>
static void h(int s) {}
int main(void) {
  struct sigaction sa = { .sa_handler = h };
  int r1 = sigaction(SIGKILL, &sa, 0), e1 = errno;
  int r2 = sigaction(SIGSTOP, &sa, 0), e2 = errno;
  int r3 = sigaction(SIGUSR1, &sa, 0);
  sigset_t all, now; sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, 0);
  sigprocmask(SIG_SETMASK, 0, &now);
  printf("kill=%d/%d stop=%d/%d usr1=%d blocked: kill=%d stop=%d usr1=%d\\n", r1, e1 == EINVAL, r2, e2 == EINVAL, r3,
         sigismember(&now, SIGKILL), sigismember(&now, SIGSTOP), sigismember(&now, SIGUSR1));
  return 0;
}`, 0);
});

const defaults = suite("default actions");

defaults("SIGUSR1 terminates (status 138)", () => {
  same("usr1", `#include <signal.h>\n#include <stdio.h>\nint main(void){puts("x");fflush(stdout);raise(SIGUSR1);puts("y");return 0;}`, 138);
});

defaults("alarm without a handler ends the process with SIGALRM (status 142)", () => {
  same("alarm", `#include <unistd.h>\n#include <stdio.h>\nint main(void){puts("waiting");fflush(stdout);alarm(1);for(;;)pause();}`, 142);
});

defaults("SIGCHLD, SIGURG, SIGWINCH and SIGCONT are ignored by default", () => {
  same("ignored", `#include <signal.h>\n#include <stdio.h>\nint main(void){raise(SIGCHLD);raise(SIGURG);raise(SIGWINCH);raise(SIGCONT);puts("alive");return 0;}`, 0);
});

defaults("a blocked SIGTERM stays pending and kills when unblocked", () => {
  same("pendterm", `
#include <signal.h>
#include <stdio.h>
int main(void) {
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGTERM);
  sigprocmask(SIG_BLOCK, &m, 0);
  raise(SIGTERM);
  sigset_t p; sigpending(&p);
  printf("pending=%d\\n", sigismember(&p, SIGTERM)); fflush(stdout);
  sigprocmask(SIG_UNBLOCK, &m, 0);
  puts("survived");
  return 0;
}`, 143);
});

defaults("abort() dies of SIGABRT even with SIGABRT blocked and a returning handler", () => {
  same("abort", `
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
static void h(int s) { puts("handler"); fflush(stdout); }
int main(void) { signal(SIGABRT, h); puts("abort"); fflush(stdout); abort(); }`, 134);
});

const time = suite("time");

time("ITIMER_VIRTUAL and ITIMER_PROF fire during CPU work; getitimer counts down", () => {
  same("cputimers", `
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
static volatile int v, p;
static void hv(int s) { v++; }
static void hp(int s) { p++; }
int main(void) {
  signal(SIGVTALRM, hv); signal(SIGPROF, hp);
  struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
  setitimer(ITIMER_VIRTUAL, &it, 0);
  setitimer(ITIMER_PROF, &it, 0);
  volatile double x = 0;
  while (v < 3 || p < 3) x += 1.5;
  struct itimerval cur, off = { 0 };
  getitimer(ITIMER_VIRTUAL, &cur);
  setitimer(ITIMER_VIRTUAL, &off, 0); setitimer(ITIMER_PROF, &off, 0);
  printf("virtual>=3 prof>=3, interval=%ld\\n", (long)cur.it_interval.tv_usec);
  return 0;
}`, 0);
});

time("clocks: monotonic never goes back, getres, CPU clocks, times() and getrusage", () => {
  same("clocks", `
#include <stdio.h>
#include <time.h>
#include <sys/times.h>
#include <sys/resource.h>
int main(void) {
  struct timespec a, b, r;
  int back = 0;
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &a); clock_gettime(CLOCK_MONOTONIC, &b);
    if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec)) back++;
  }
  clock_getres(CLOCK_MONOTONIC, &r);
  printf("backwards=%d res<=1ms=%d\\n", back, r.tv_sec == 0 && r.tv_nsec <= 1000000);
  int ok = 1;
  clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                      CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
  for (int i = 0; i < 8; i++) ok &= clock_gettime(ids[i], &a) == 0;
  printf("all clocks readable=%d bad clock fails=%d\\n", ok, clock_gettime(12345, &a) == -1);
  volatile double x = 0;
  for (int i = 0; i < 3000000; i++) x += i;
  struct tms t; clock_t c = times(&t);
  struct rusage ru; getrusage(RUSAGE_SELF, &ru);
  printf("times ok=%d rusage user>0=%d\\n", c != (clock_t)-1, ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
  struct timespec req = { 0, 1000000 };
  printf("clock_nanosleep=%d abs in past=%d\\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, 0),
         clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &req, 0));
  return 0;
}`, 0);
});

time("signalfd and timerfd wake epoll_wait", () => {
  same("sfd_epoll", `
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/epoll.h>
#include <sys/time.h>
int main(void) {
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGALRM);
  sigprocmask(SIG_BLOCK, &m, NULL);
  int sfd = signalfd(-1, &m, 0);
  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  int ep = epoll_create1(0);
  struct epoll_event e = { .events = EPOLLIN, .data.fd = sfd };
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &e);
  e.data.fd = tfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e);
  struct itimerval it = { { 0, 0 }, { 0, 30000 } };
  setitimer(ITIMER_REAL, &it, NULL);
  struct epoll_event out[2];
  int n = epoll_wait(ep, out, 2, 5000);
  printf("first: n=%d is signalfd=%d\\n", n, n == 1 && out[0].data.fd == sfd);
  struct signalfd_siginfo si; read(sfd, &si, sizeof si);
  printf("signo=%u\\n", si.ssi_signo);
  struct itimerspec ts = { { 0, 0 }, { 0, 20000000 } };
  timerfd_settime(tfd, 0, &ts, NULL);
  n = epoll_wait(ep, out, 2, 5000);
  printf("second: n=%d is timerfd=%d\\n", n, n == 1 && out[0].data.fd == tfd);
  return 0;
}
`, 0);
});

frame.run();
defaults.run();
time.run();

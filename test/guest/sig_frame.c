// The Linux x86-64 signal frame as a handler sees it: rt_sigframe offsets (ucontext, then
// siginfo 304 bytes later), cs/ss in the sigcontext, uc_sigmask, the FXSAVE area's MXCSR and xmm
// registers, and sigreturn restoring general and xmm registers the handler edited in the frame.
//! status: 0
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <ucontext.h>

static volatile int info_off, cs, ss, mask_ok, mxcsr_ok, xmm_ok, fp_aligned, fp_above, sp_ok;

static void handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  info_off = (int)((char *)si - (char *)uc);
  uint64_t csgsfs = uc->uc_mcontext.gregs[REG_CSGSFS];
  cs = csgsfs & 0xffff;
  ss = (csgsfs >> 48) & 0xffff;
  mask_ok = sigismember(&uc->uc_sigmask, SIGUSR2) && !sigismember(&uc->uc_sigmask, SIGUSR1);
  // The FXSAVE layout by offset (glibc and musl name the struct differently): MXCSR at 24, xmm0 at 160.
  char *fp = (char *)uc->uc_mcontext.fpregs;
  fp_aligned = ((uintptr_t)fp & 63) == 0;
  fp_above = (char *)fp > (char *)si;
  unsigned mxcsr; memcpy(&mxcsr, fp + 24, 4);
  mxcsr_ok = (mxcsr & ~0x3fu) == (0x1f80 | 0x8000) /* FTZ set by main */;
  double d; memcpy(&d, fp + 160 + 6 * 16, 8);
  xmm_ok = d == 6.5;
  // The interrupted rsp is above the frame, past the 128-byte red zone.
  sp_ok = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] >= (uintptr_t)uc + 128;
  // Edit the interrupted context: sigreturn must load these.
  uc->uc_mcontext.gregs[REG_R12] += 1000;
  uc->uc_mcontext.gregs[REG_R13] = 0x1234;
  double nd = 99.25; memcpy(fp + 160 + 6 * 16, &nd, 8);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR2);
  sigprocmask(SIG_BLOCK, &m, NULL);
  unsigned mx = 0x1f80 | 0x8000 /* FTZ */, mx_saved;
  __asm__ volatile("stmxcsr %0" : "=m"(mx_saved));
  __asm__ volatile("ldmxcsr %0" :: "m"(mx));
  double six = 6.5, out;
  long r12 = 5, r13 = 0;
  pid_t pid = getpid();
  __asm__ volatile(
      "movsd %[six], %%xmm6\n\tmov %[r12], %%r12\n\txor %%r13d, %%r13d\n\t"
      "mov $62, %%eax\n\tmov %[pid], %%edi\n\tmov $10, %%esi\n\tsyscall\n\t"
      "movsd %%xmm6, %[out]\n\tmov %%r12, %[r12]\n\tmov %%r13, %[r13]"
      : [out] "=m"(out), [r12] "+r"(r12), [r13] "=r"(r13)
      : [six] "m"(six), [pid] "r"(pid)
      : "rax", "rdi", "rsi", "rcx", "r11", "r12", "r13", "xmm6", "memory");
  __asm__ volatile("ldmxcsr %0" :: "m"(mx_saved));
  printf("siginfo at uc+%d, cs=%#x ss=%#x\n", info_off, cs, ss);
  printf("uc_sigmask ok=%d fpstate 64-aligned=%d above siginfo=%d\n", mask_ok, fp_aligned, fp_above);
  printf("frame mxcsr ok=%d xmm6 ok=%d interrupted rsp above frame=%d\n", mxcsr_ok, xmm_ok, sp_ok);
  printf("after sigreturn: r12=%ld r13=%#lx xmm6=%g\n", r12, r13, out);
  return 0;
}

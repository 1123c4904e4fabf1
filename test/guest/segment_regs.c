// Reading the segment registers (MOV r/m, Sreg): 64-bit Linux user code runs with CS 0x33, SS 0x2b
// and null data selectors. .NET's runtime stores CS and SS in every CONTEXT it captures (azmcp
// from npm died with SIGILL on `mov [rdi+0x38], cs`). Register and memory forms, 16/32/64-bit.
#include <stdio.h>
#include <stdint.h>

int main(void) {
  uint64_t cs = ~0ull, ss = ~0ull, ds = ~0ull, es = ~0ull, fs = ~0ull, gs = ~0ull;
  __asm__("mov %%cs, %0" : "+r"(cs));
  __asm__("mov %%ss, %0" : "+r"(ss));
  __asm__("movl %%ds, %k0" : "+r"(ds));
  __asm__("movw %%es, %w0" : "+r"(es));
  __asm__("mov %%fs, %0" : "+r"(fs));
  __asm__("mov %%gs, %0" : "+r"(gs));
  printf("registers: cs=%#llx ss=%#llx ds=%#llx es=%#llx fs=%#llx gs=%#llx\n", (unsigned long long)cs,
         (unsigned long long)ss, (unsigned long long)ds, (unsigned long long)es, (unsigned long long)fs, (unsigned long long)gs);
  // A memory destination takes 16 bits; the bytes around it stay.
  struct { uint16_t sel[6]; uint16_t guard; } m = { { 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa }, 0x5555 };
  __asm__("mov %%cs, %0" : "=m"(m.sel[0]));
  __asm__("mov %%ss, %0" : "=m"(m.sel[1]));
  __asm__("mov %%ds, %0" : "=m"(m.sel[2]));
  __asm__("mov %%es, %0" : "=m"(m.sel[3]));
  __asm__("mov %%fs, %0" : "=m"(m.sel[4]));
  __asm__("mov %%gs, %0" : "=m"(m.sel[5]));
  printf("memory: %#x %#x %#x %#x %#x %#x guard %#x\n", m.sel[0], m.sel[1], m.sel[2], m.sel[3], m.sel[4], m.sel[5], m.guard);
  return 0;
}

// A small stack-machine: an assembler with labels turns text into bytecode, a switch loop runs it.
//! status: 0
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

enum { PUSH, POP, DUP, SWAP, OVER, ADD, SUB, MUL, DIV, MOD, NEG, AND, OR, XOR, SHL, SHR, LT, EQ, JMP, JZ, JNZ, LOAD, STORE,
  CALL, RET, PRINT, HALT, NOPS };
static const char *names[NOPS] = { "push", "pop", "dup", "swap", "over", "add", "sub", "mul", "div", "mod", "neg", "and", "or",
  "xor", "shl", "shr", "lt", "eq", "jmp", "jz", "jnz", "load", "store", "call", "ret", "print", "halt" };
static int has_arg(int op) { return op == PUSH || op == JMP || op == JZ || op == JNZ || op == LOAD || op == STORE || op == CALL; }

// Two passes: the first records label addresses, the second emits code.
static int assemble(const char *src, int64_t *code, int max) {
  char labels[32][16]; int addrs[32], nl = 0, n = 0;
  for (int pass = 0; pass < 2; pass++) {
    n = 0;
    char *copy = strdup(src), *save = NULL;
    for (char *tok = strtok_r(copy, " \n\t", &save); tok; tok = strtok_r(NULL, " \n\t", &save)) {
      size_t len = strlen(tok);
      if (tok[len - 1] == ':') {
        if (pass == 0) { memcpy(labels[nl], tok, len - 1); labels[nl][len - 1] = 0; addrs[nl++] = n; }
        continue;
      }
      int op = -1;
      for (int i = 0; i < NOPS; i++) if (!strcmp(tok, names[i])) op = i;
      if (op < 0) { printf("unknown mnemonic %s\n", tok); exit(3); }
      if (n >= max) exit(4);
      code[n++] = op;
      if (has_arg(op)) {
        char *arg = strtok_r(NULL, " \n\t", &save);
        int64_t v = 0;
        if ((arg[0] >= '0' && arg[0] <= '9') || arg[0] == '-') v = strtoll(arg, NULL, 0);
        else if (pass == 1) { int found = 0; for (int i = 0; i < nl; i++) if (!strcmp(labels[i], arg)) { v = addrs[i]; found = 1; }
          if (!found) { printf("unknown label %s\n", arg); exit(5); } }
        code[n++] = v;
      }
    }
    free(copy);
  }
  return n;
}

typedef struct { int64_t stack[256]; int sp; int64_t mem[64]; int rstack[256]; int rsp; uint64_t steps, counts[NOPS]; } vm_t;

static int run(vm_t *vm, const int64_t *code, int prints) {
  int pc = 0;
  for (;;) {
    int64_t op = code[pc++], a, b;
    vm->steps++; vm->counts[op]++;
    switch (op) {
      case PUSH: vm->stack[vm->sp++] = code[pc++]; break;
      case POP: vm->sp--; break;
      case DUP: vm->stack[vm->sp] = vm->stack[vm->sp - 1]; vm->sp++; break;
      case SWAP: a = vm->stack[vm->sp - 1]; vm->stack[vm->sp - 1] = vm->stack[vm->sp - 2]; vm->stack[vm->sp - 2] = a; break;
      case OVER: vm->stack[vm->sp] = vm->stack[vm->sp - 2]; vm->sp++; break;
#define BIN(OP, EXPR) case OP: b = vm->stack[--vm->sp]; a = vm->stack[vm->sp - 1]; vm->stack[vm->sp - 1] = (EXPR); break;
      BIN(ADD, (int64_t)((uint64_t)a + (uint64_t)b)) BIN(SUB, (int64_t)((uint64_t)a - (uint64_t)b))
      BIN(MUL, (int64_t)((uint64_t)a * (uint64_t)b)) BIN(DIV, b ? a / b : 0) BIN(MOD, b ? a % b : 0) BIN(AND, a & b)
      BIN(OR, a | b) BIN(XOR, a ^ b) BIN(SHL, (int64_t)((uint64_t)a << (b & 63))) BIN(SHR, (int64_t)((uint64_t)a >> (b & 63)))
      BIN(LT, a < b) BIN(EQ, a == b)
      case NEG: vm->stack[vm->sp - 1] = (int64_t)(0 - (uint64_t)vm->stack[vm->sp - 1]); break;
      case JMP: pc = (int)code[pc]; break;
      case JZ: pc = vm->stack[--vm->sp] == 0 ? (int)code[pc] : pc + 1; break;
      case JNZ: pc = vm->stack[--vm->sp] != 0 ? (int)code[pc] : pc + 1; break;
      case LOAD: vm->stack[vm->sp++] = vm->mem[code[pc++]]; break;
      case STORE: vm->mem[code[pc++]] = vm->stack[--vm->sp]; break;
      case CALL: vm->rstack[vm->rsp++] = pc + 1; pc = (int)code[pc]; break;
      case RET: pc = vm->rstack[--vm->rsp]; break;
      case PRINT: a = vm->stack[--vm->sp]; if (prints) printf("  print %lld\n", (long long)a); break;
      case HALT: return vm->sp ? (int)(vm->stack[vm->sp - 1] & 0x7f) : 0;
      default: printf("bad opcode %lld at %d\n", (long long)op, pc - 1); return -1;
    }
  }
}

static const char *progs[] = {
  // Sum of squares below 20000, printing every 2500th partial sum; leaves 7.
  "push 0 store 0 push 0 store 1\n"
  "loop: load 0 push 10000 lt jz done\n"
  "  load 1 load 0 dup mul add store 1\n"
  "  load 0 push 2500 mod jnz skip load 1 print\n"
  "skip: load 0 push 1 add store 0 jmp loop\n"
  "done: load 1 print push 7 halt",
  // Recursive fibonacci through call/ret.
  "push 21 call fib print push 0 halt\n"
  "fib: dup push 2 lt jnz base\n"
  "  dup push 1 sub call fib swap push 2 sub call fib add ret\n"
  "base: ret",
  // xorshift64 PRNG with a 16-bucket histogram in mem[8..23].
  "push 88172645463325252 store 0 push 0 store 1\n"
  "loop: load 1 push 10000 lt jz done\n"
  "  load 0 dup push 13 shl xor dup push 7 shr xor dup push 17 shl xor store 0\n"
  "  load 0 push 15 and store 2 load 1 push 1 add store 1 load 0 push 60 shr push 3 and neg push 40 add store 3\n"
  "  load 2 push 8 add store 4 load 0 push 7 and jnz loop\n"
  "  load 2 push 5 mul load 3 add load 2 xor push 1023 and print jmp loop\n"
  "done: load 0 print push 1 halt",
  // Collatz steps for 1..3000, printing the longest.
  "push 1 store 0 push 0 store 5 push 0 store 6\n"
  "outer: load 0 push 1500 lt jz end load 0 store 1 push 0 store 2\n"
  "inner: load 1 push 1 eq jnz fin load 1 push 1 and jz even\n"
  "  load 1 push 3 mul push 1 add store 1 jmp cnt\n"
  "even: load 1 push 1 shr store 1\n"
  "cnt: load 2 push 1 add store 2 jmp inner\n"
  "fin: load 5 load 2 lt jz next load 2 store 5 load 0 store 6 load 0 print load 2 print\n"
  "next: load 0 push 1 add store 0 jmp outer\n"
  "end: load 6 print load 5 print push 3 halt",
};

int main(void) {
  static int64_t code[1024];
  static vm_t vm;
  int expect[] = { 7, 0, 1, 3 }, bad = 0;
  for (unsigned p = 0; p < sizeof progs / sizeof progs[0]; p++) {
    int n = assemble(progs[p], code, 1024);
    memset(&vm, 0, sizeof vm);
    printf("program %u: %d words\n", p, n);
    int r = run(&vm, code, 1);
    printf("program %u: result %d steps %llu sp %d\n", p, r, (unsigned long long)vm.steps, vm.sp);
    for (int i = 0; i < NOPS; i++) if (vm.counts[i]) printf("  %-6s %llu\n", names[i], (unsigned long long)vm.counts[i]);
    if (r != expect[p]) bad++;
  }
  return bad;
}

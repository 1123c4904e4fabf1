/* A small bytecode interpreter (a switch-dispatched stack machine) running a program that counts
 * the primes below N by trial division: the indirect-branch-heavy loop of every scripting VM. */
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, HALT };

/* Locals: 0 = n, 1 = i, 2 = d, 3 = count, 4 = isprime */
static const long code[] = {
  PUSH, 2, STORE, 1,                       /* i = 2 */
  /* 4: outer */ LOAD, 1, LOAD, 0, LT, JZ, 68,
  PUSH, 1, STORE, 4, PUSH, 2, STORE, 2,    /* isprime = 1; d = 2 */
  /* 19: inner */ LOAD, 2, LOAD, 2, MUL, LOAD, 1, PUSH, 1, ADD, LT, JZ, 52, /* while d*d < i+1 */
  LOAD, 1, LOAD, 2, MOD, JZ, 48,          /* if i % d == 0 -> not prime */
  LOAD, 2, PUSH, 1, ADD, STORE, 2, JMP, 19,
  /* 48: */ PUSH, 0, STORE, 4,
  /* 52: */ LOAD, 3, LOAD, 4, ADD, STORE, 3,
  LOAD, 1, PUSH, 1, ADD, STORE, 1, JMP, 4,
  /* 68: */ HALT,
};

int main(int argc, char **argv) {
  long vars[8] = {argc > 1 ? atol(argv[1]) : 100000}, stack[64];
  long sp = 0, pc = 0, steps = 0;
  for (;;) {
    steps++;
    switch (code[pc]) {
    case PUSH: stack[sp++] = code[pc + 1]; pc += 2; break;
    case LOAD: stack[sp++] = vars[code[pc + 1]]; pc += 2; break;
    case STORE: vars[code[pc + 1]] = stack[--sp]; pc += 2; break;
    case ADD: sp--; stack[sp - 1] += stack[sp]; pc++; break;
    case SUB: sp--; stack[sp - 1] -= stack[sp]; pc++; break;
    case MUL: sp--; stack[sp - 1] *= stack[sp]; pc++; break;
    case MOD: sp--; stack[sp - 1] %= stack[sp]; pc++; break;
    case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; pc++; break;
    case JZ: pc = stack[--sp] ? pc + 2 : code[pc + 1]; break;
    case JMP: pc = code[pc + 1]; break;
    case HALT: printf("%ld primes below %ld (%ld steps)\n", vars[3], vars[0], steps); return 0;
    default: return 1;
    }
  }
}

// The decoded-record format and fast op ids as the core lays them out (asm/operand.ts diagram,
// asm/fast.ts ids, asm/flags.ts LAZY_* kinds, asm/exec.ts block header). test/jit_record.test.mjs
// checks these numbers against the AssemblyScript sources, so the two cannot drift apart.

/** Record fields (byte offsets). */
export const R_OP = 0, R_LEN = 2, R_SIZE = 3, R_FLAGS = 4, R_SEG = 6, R_REG = 7, R_RM = 8, R_REG8 = 9, R_RM8 = 10, R_BASE = 11, R_INDEX = 12, R_SCALE = 13, R_OPCODE = 14,
  R_DISP = 16, R_GOP = 20, R_DST = 22, R_SRC = 23, R_IMM = 24;
export const RECORD_SIZE = 32;
export const F_MOD3 = 1, F_RIPREL = 2, F_ASIZE32 = 4, F_REP = 8, F_REPNE = 16, F_LOCK = 32, F_OPSIZE = 64, F_REXW = 128;

/** The block header before a block's first record (asm/exec.ts). */
export const BLOCK_HEADER = 64, H_JIT = 4, H_COUNT = 8, H_RESUME = 12, H_TARGETS = 16, H_TARGET_SLOTS = 8, TARGET_HASH_SHIFT = 5;
export const JIT_NEVER = 1;

/** Fast op ids, as offsets from the core's FOP_BASE (asm/fast.ts). */
export const FOP = {
  END: 0, ALU_RR: 1, ALU_RI: 17, ALU_RM: 33, TEST_RR: 49, MOV_RR: 51, MOV_RI: 53, MOV_RM: 55, MOV_MR: 57, MOV_MI: 59,
  LEA: 61, SHIFT_RI: 63, UNARY_R: 73, IMUL_RR: 81, JCC: 83, JMP: 84, CALL: 85, RET: 86, PUSH: 87, POP: 88,
  MOVZX8_RM: 89, MOVSXD_RR: 91, MOVSXD_RM: 92, XMOV_RR: 93, XLOAD_A: 94, XSTORE_A: 96, XOP_RR: 98, XOP_RM: 107,
  PSHIFT_I: 116, PMOVMSKB: 124, MOVQ_LOAD: 125, MOVQ_STORE: 126, COUNT: 127,
} as const;

/** Shift kinds (SK_*) and unary kinds (UK_*) of asm/fast.ts. */
export const SK_ROL = 0, SK_ROR = 1, SK_SHL = 2, SK_SHR = 3, SK_SAR = 4;
export const UK_INC = 0, UK_DEC = 1, UK_NOT = 2, UK_NEG = 3;

/** Lazy flag kinds (asm/flags.ts). */
export const LAZY_ADD = 1, LAZY_ADC = 2, LAZY_SUB = 3, LAZY_SBB = 4, LAZY_LOGIC = 5, LAZY_SHIFT = 7, LAZY_IMUL = 8;

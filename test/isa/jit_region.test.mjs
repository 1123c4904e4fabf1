// JIT regions (runtime/jit/index.ts regionOf, compile.ts compileRegion): a hot block compiled
// together with the blocks its direct branches reach, as one Wasm function that goes from block to
// block without returning to the run loop. With every block compiled on its first entry each
// snippet below runs as such a region; native and wasl states must agree. The budget and the
// guard of a block on another page are checked directly on a bare machine, against the interpreter.
process.env.ISA_JIT ??= "1";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { arch, platform } from "node:os";
import { runBoth, diffStates, bareMachine, assertSameStops, DATA_ADDR } from "./harness.mjs";

const hostOk = arch() === "x64" && platform() === "linux";

async function same(asm, opts = {}) {
  const r = await runBoth(asm, opts);
  const d = diffStates(r.native, r.wasl);
  assert.ok(d.length === 0, `${asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  return r;
}
const mem = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);

test("loops across several blocks: branches taken both ways, calls and returns, generic records between", async () => {
  if (!hostOk) return;
  const regs = { rbp: BigInt(DATA_ADDR + 0x400), rcx: 300n, rsi: BigInt(DATA_ADDR), r15: 0n };
  for (const asm of [
    // an if/else inside a loop: the back edge and both arms are transitions inside the region
    "1: test cl, 1\njz 2f\nadd rax, rcx\njmp 3f\n2: sub rbx, rcx\nimul rdx, rbx, 3\n3: dec rcx\njnz 1b",
    // flags set in one block and read in the next (they cross a transition in memory)
    "1: cmp rcx, 150\njmp 2f\n2: jb 3f\nadd rax, 2\n3: setb dl\nadd rbx, rdx\nsub rcx, 1\njnz 1b",
    // a call to a function of the page and its return (the return leaves the region), memory in both
    "1: call 5f\nadd rax, QWORD PTR [rbp + r15*8]\ninc r15\nand r15, 63\ndec rcx\njnz 1b\njmp 6f\n5: xor rbx, rax\nrol rbx, 7\nmov QWORD PTR [rbp + 8], rbx\nret\n6:",
    // a generic record (ADC) and a rotate at block starts, flags from the block before
    "1: add rax, rcx\njmp 2f\n2: adc rbx, 0\nrol rdx, 1\njmp 3f\n3: rcl rdx, 1\nsub rcx, 1\njnz 1b",
    // a loop whose inner self-loop is one block of it
    "1: mov edx, 5\n2: add rax, rdx\ndec edx\njnz 2b\nxor rbx, rax\ndec rcx\njnz 1b",
    // cmov and setcc reading flags that came from another block through a dynamic jump back in
    "1: lea r11, [rip + 2f]\ncmp rcx, 100\njmp r11\n2: cmovb rax, rcx\nsetg bl\nmovzx ebx, bl\nadd rdx, rbx\ndec rcx\njnz 1b",
  ]) await same(asm, { regs, mem });
});

test("a fault in a later block of a region: state up to the faulting instruction, rip at it", async () => {
  if (!hostOk) return;
  const regs = { rbp: BigInt(DATA_ADDR + 0x400), rsi: BigInt(DATA_ADDR), rdi: BigInt(DATA_ADDR + 0x3000), rcx: 0n };
  for (const asm of [
    // walks off the data area in a late iteration, with registers and flags of earlier blocks pending
    "1: add rcx, 1\ncmp rcx, 7\njmp 2f\n2: mov rdx, QWORD PTR [rsi]\nadd rax, rdx\nadd rsi, 64\njmp 1b",
    // the faulting store is in the third block, the flags it should leave come from the second
    "1: inc rcx\njmp 2f\n2: sub rax, rcx\njmp 3f\n3: mov QWORD PTR [rsi], rax\nadd rsi, 512\njmp 1b",
  ]) {
    const r = await same(asm, { regs, mem });
    assert.equal(r.native.exit, "PAGE_FAULT");
  }
});

test("self-modifying code: a block of a running region rewritten by an earlier one runs its new bytes", async () => {
  if (!hostOk) return;
  // the second pass rewrites the imm32 of the block at 3: (a later block of the same region)
  await same(`xor eax, eax
  xor ebx, ebx
  mov ecx, 4
1: add eax, 1
  cmp ecx, 2
  jne 2f
  mov dword ptr [rip + 3f + 1], 0x100
2: dec ecx
  jmp 3f
3: mov edx, 7
  add ebx, edx
  test ecx, ecx
  jnz 1b`);
  // a rewrite of the block the branch goes back to
  await same(`xor eax, eax
  mov ecx, 3
1: add eax, 1
  jmp 2f
2: mov byte ptr [rip + 1b + 2], 0x10
  dec ecx
  jnz 1b`);
});

/** A bare machine with code at va (pages mapped read, write, exec): jit true (the suite's JIT), false or JIT options. */
async function machineWith(jit, pieces) {
  const { m, rt, L } = await bareMachine();
  const mm = jit === true ? m : await rt.Machine.create(await rt.coreModule(), { jit });
  if (jit !== true) { mm.core.setAddressSpace(mm.core.ptNew()); mm.resetState(); }
  for (const [va, bytes] of pieces) {
    mm.core.ptMap(mm.addressSpace, BigInt(va) & ~0xfffn, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
    mm.copyOut(BigInt(va), bytes);
  }
  return { m: mm, L };
}

test("a loop over two blocks of a region stops on the budget where the interpreter does", async () => {
  // 1: add rax, 1; jmp 2f; 2: dec rcx; jnz 1b; int3 — two blocks, neither a self-loop
  const code = new Uint8Array([0x48, 0x83, 0xc0, 0x01, 0xeb, 0x00, 0x48, 0xff, 0xc9, 0x75, 0xf5, 0xcc]);
  const make = async (jit) => {
    const r = await machineWith(jit, [[0x10000, code]]);
    r.m.rip = 0x10000n;
    r.m.setReg(1, 1000n);
    return r;
  };
  // compiled on first entry (successors decoded for the region), and once warm (successors that ran)
  for (const jit of [true, { threshold: 64 }]) {
    const a = await make(jit), b = await make(false);
    assertSameStops(a.m, b.m, [1, 2, 3, 4, 5, 7, 100, 1001, 2999, 5000]);
    assert.ok(a.m.jit.stats.regionBlocks > a.m.jit.stats.blocks, "a region of more than one block was compiled");
  }
});

test("returns and indirect calls go on inside a region to the blocks they went to before, budget and counts as the interpreter's", async () => {
  // 0: lea r11, [rip + F]; call r11 | 10: add rbx, rax; nop; call F | 19: dec rcx; jnz 0 | 24: int3
  // F = 25: add rax, rcx; xor rax, 0x55; ret — the return goes back to two places (recorded in different slots)
  const code = new Uint8Array([0x4c, 0x8d, 0x1d, 0x12, 0, 0, 0, 0x41, 0xff, 0xd3, 0x48, 0x01, 0xc3, 0x90, 0xe8, 0x06, 0, 0, 0,
    0x48, 0xff, 0xc9, 0x75, 0xe8, 0xcc, 0x48, 0x01, 0xc8, 0x48, 0x83, 0xf0, 0x55, 0xc3]);
  const make = async (jit) => {
    const { m, rt, L } = await bareMachine();
    // a few interpreted passes first: the blocks record where the call and the return went
    const mm = await rt.Machine.create(await rt.coreModule(), jit ? { jit: { threshold: 64, followReturns: true } } : { jit: false });
    mm.core.setAddressSpace(mm.core.ptNew()); mm.resetState();
    for (const [va, bytes] of [[0x10000, code], [0x20000, new Uint8Array(16)]]) {
      mm.core.ptMap(mm.addressSpace, BigInt(va), 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
      mm.copyOut(BigInt(va), bytes);
    }
    mm.rip = 0x10000n;
    mm.setReg(1, 300n);
    mm.setReg(4, 0x20ff0n);
    return { m: mm, L };
  };
  const a = await make(true), b = await make(false);
  let last = 0;
  for (const budget of [1, 3, 7, 20, 33, 100, 1001, 5000]) {
    const ra = last = a.m.run(budget), rb = b.m.run(budget);
    assert.equal(ra, rb, `exit reason at budget ${budget}`);
    assert.equal(a.m.icount, b.m.icount, `instruction count at budget ${budget}`);
    assert.equal(a.m.rip, b.m.rip, `rip at budget ${budget}`);
    for (const r of [0, 1, 3, 4, 11]) assert.equal(a.m.reg(r), b.m.reg(r), `register ${r} at budget ${budget}`);
    assert.equal(a.m.flags & 0x8d5n, b.m.flags & 0x8d5n, `flags at budget ${budget}`);
  }
  assert.equal(last, a.L.EXIT_INT3, "the loop ran to its end");
  assert.ok(a.m.jit.stats.regionBlocks >= a.m.jit.stats.blocks + 3, "regions took in the called function and the blocks it returns to");
});

test("a region's block on another page is entered only while that page still maps the frame it was compiled from", async () => {
  // 0x10ffa: add rax, 1; jmp 0x11000 | 0x11000: add rbx, 1 (or 0x10 in the other frame); dec rcx; jnz 0x10ffa; int3
  const head = new Uint8Array([0x48, 0x83, 0xc0, 0x01, 0xeb, 0x00]);
  const tail = (inc) => new Uint8Array([0x48, 0x83, 0xc3, inc, 0x48, 0xff, 0xc9, 0x75, 0xf1, 0xcc]);
  const { m, L } = await machineWith(true, [[0x10ffa, head], [0x11000, tail(1)], [0x21000, tail(0x10)]]);
  const frameOf = (va) => Number(m.core.translate(BigInt(va), 1, 1)) & ~0xfff;
  const flags = L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC;
  const go = (n) => {
    m.rip = 0x10ffan; m.setReg(0, 0n); m.setReg(3, 0n); m.setReg(1, BigInt(n));
    assert.equal(m.run(1_000_000), L.EXIT_INT3);
    return m.reg(3);
  };
  // the exec TLB knows the second page when the first block is compiled: the region takes its block in
  m.core.translate(0x11000n, 4, 1);
  assert.equal(go(50), 50n);
  assert.ok(m.jit.stats.regionBlocks > m.jit.stats.blocks, "the loop was compiled as one region over both pages");
  // keep the first frame alive elsewhere (no write to it, no flush of the code cache), then map the other frame at 0x11000
  m.core.ptMap(m.addressSpace, 0x31000n, 1, frameOf(0x11000), flags);
  m.core.ptMap(m.addressSpace, 0x11000n, 1, frameOf(0x21000), flags);
  assert.equal(go(50), 0x10n * 50n);
});

test.run();

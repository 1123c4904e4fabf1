// The core's machinery, checked against the host CPU where the host can be the oracle (prefix
// decoding, segment bases, RIP-relative addressing, page-crossing and self-modifying code,
// faults), and directly on the machine for what only wasl has (copy-on-write page tables, lazy
// zero pages, a fetch fault across a page end).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runBoth, diffStates, bareMachine, DATA_ADDR, STACK_TOP, hex } from "./harness.mjs";

/** Runs a snippet on both and fails with the differences; returns the result. */
async function same(asm, opts = {}, diffOpts = {}) {
  const r = await runBoth(asm, opts);
  const d = diffStates(r.native, r.wasl, diffOpts);
  assert.ok(d.length === 0, `${asm.replace(/\n/g, "; ")}\n    ${d.join("\n    ")}`);
  return r;
}
const data = (n = 4096) => new Uint8Array(n).map((_, i) => (i * 37 + 11) & 0xff);

test("prefixes: operand size 66, REX.W over 66, REX only when last, repeated prefixes", async () => {
  const regs = { rax: 0x1111222233334444n, rcx: 0x8000000180000001n, rdx: 0xfedcba9876543210n };
  await Promise.all([
    same(".byte 0x66, 0xb8, 0x34, 0x12", { regs }),               // mov ax, 0x1234
    same(".byte 0x66, 0x01, 0xc8", { regs }),                     // add ax, cx
    same(".byte 0x66, 0x48, 0x01, 0xc8", { regs }),               // REX.W wins: add rax, rcx
    same(".byte 0x48, 0x66, 0x01, 0xc8", { regs }),               // REX not last: ignored, add ax, cx
    same(".byte 0x41, 0x48, 0x01, 0xc8", { regs }),               // only the last REX counts: add rax, rcx
    same(".byte 0x66, 0x66, 0x66, 0x01, 0xc8", { regs }),         // repeated 66
    same(".byte 0x66, 0x00, 0xc8", { regs }),                     // 66 on a byte op: no effect
    same(".byte 0x88, 0xe0", { regs }),                           // mov al, ah
    same(".byte 0x40, 0x88, 0xe0", { regs }),                     // with REX: mov al, spl
    same(".byte 0x40, 0x88, 0xf0", { regs }),                     // mov al, sil
    same(".byte 0x2e, 0x3e, 0x26, 0x36, 0x48, 0x01, 0xc8", { regs }), // CS/DS/ES/SS overrides are no-ops in 64-bit mode
    same("mov eax, ecx", { regs }),                               // 32-bit writes zero the upper half
    same("mov ax, cx", { regs }),
    same("mov ah, dl", { regs }),
  ]);
});

test("prefixes: address size 67 truncates the effective address", async () => {
  const mem = data();
  await Promise.all([
    same("lea eax, [ecx + edx*2 + 5]", { regs: { rcx: 0xffffffff_fffffff0n, rdx: 0x1_00000004n } }),
    same(".byte 0x67, 0x48, 0x8d, 0x04, 0x51", { regs: { rcx: 0xffffffff_ffffff00n, rdx: 0x7fffffffn } }), // lea rax, [ecx+edx*2]
    same("mov rax, qword ptr [ebx + 8]", { regs: { rbx: 0xdead0000_00000000n | BigInt(DATA_ADDR) }, mem }),
    same("mov qword ptr [esi - 8], rcx", { regs: { rsi: 0xffffffff_00000000n | BigInt(DATA_ADDR + 0x100) }, mem }),
    same("lea ax, [rbx + rcx + 0x7fff]", { regs: { rbx: 0x12345n, rcx: 0x1n } }),
  ]);
});

test("prefixes: F2/F3 as REP and as mandatory prefixes, mixed with 66", async () => {
  const mem = data();
  await Promise.all([
    same("rep stosb", { regs: { rdi: BigInt(DATA_ADDR + 16), rcx: 100n, rax: 0x5an }, mem }),
    same("rep movsq", { regs: { rsi: BigInt(DATA_ADDR), rdi: BigInt(DATA_ADDR + 2048), rcx: 33n }, mem }),
    same("repne scasb", { regs: { rdi: BigInt(DATA_ADDR), rcx: 4096n, rax: BigInt(mem[300]) }, mem }),
    same("repe cmpsb", { regs: { rsi: BigInt(DATA_ADDR), rdi: BigInt(DATA_ADDR + 37 * 7), rcx: 200n }, mem }),
    same("std\nrep stosd\ncld", { regs: { rdi: BigInt(DATA_ADDR + 2048), rcx: 9n, rax: 0x01020304n }, mem }),
    same(".byte 0x66, 0xf3, 0x0f, 0xb8, 0xc1", { regs: { rcx: 0xffff_0f0fn } }),  // popcnt ax, cx
    same(".byte 0xf3, 0x66, 0x0f, 0xb8, 0xc1", { regs: { rcx: 0xffff_0f0fn } }),  // same, prefixes swapped
    same(".byte 0x66, 0xf3, 0x0f, 0x6f, 0x03", { regs: { rbx: BigInt(DATA_ADDR + 3) }, mem }), // F3 wins over 66: movdqu xmm0, [rbx]
    same(".byte 0xf3, 0x48, 0x0f, 0xb8, 0xc1", { regs: { rcx: 0xf0f0_0000_0000_0001n } }),     // popcnt rax, rcx
  ]);
});

test("segment overrides: FS and GS bases apply, LEA ignores them", async () => {
  const mem = data();
  const bases = { fsBase: BigInt(DATA_ADDR), gsBase: BigInt(DATA_ADDR + 0x800) };
  await Promise.all([
    same("mov rax, qword ptr fs:[8]", { ...bases, mem }),
    same("mov rax, qword ptr gs:[rbx + 4]", { ...bases, regs: { rbx: 0x10n }, mem }),
    same("mov dword ptr fs:[0x20], ecx", { ...bases, mem }),
    same("add qword ptr gs:[rcx*8], rdx", { ...bases, regs: { rcx: 3n }, mem }),
    same("lea rax, fs:[0x40]", { ...bases }),
    same(".byte 0x64, 0x48, 0x8b, 0x05\n.long 0x10", { ...bases, mem }), // fs: with RIP-relative: base + rip + disp
    same("mov rax, qword ptr fs:[0x2000000]", { fsBase: 0x1000n, mem }),
  ].map((p) => p));
});

test("RIP-relative addressing: loads, stores, LEA and immediates after the displacement", async () => {
  const mem = data();
  await Promise.all([
    same("lea rax, [rip]"),
    same("lea rax, [rip + 1f]\n1:"),
    same("mov rax, qword ptr [rip + DATA + 0x18]", { mem }),
    same("mov dword ptr [rip + DATA + 0x40], 0x12345678", { mem }),   // imm32 follows the displacement
    same("add word ptr [rip + DATA + 0x44], 0x1234", { mem }),
    same("cmp byte ptr [rip + DATA + 0x46], 0x7f", { mem }),
    same("movdqa xmm3, xmmword ptr [rip + DATA + 0x80]", { mem }),
  ]);
});

test("page crossing: an instruction and data accesses that span two pages", async () => {
  const mem = data();
  await Promise.all([
    // a 10-byte mov whose bytes straddle a page boundary
    same("jmp 1f\n.p2align 12, 0xcc\n.skip 4093, 0xcc\n1: movabs rax, 0x1122334455667788\nadd rax, 1"),
    same("jmp 1f\n.p2align 12, 0xcc\n.skip 4095, 0xcc\n1: add qword ptr [rip + DATA + 8], 0x7fffffff", { mem }),
    same(`mov rax, qword ptr [${STACK_TOP - 4}]\nmov qword ptr [${STACK_TOP - 3}], rcx`),
    same(`movdqu xmm1, xmmword ptr [${STACK_TOP - 9}]\nmovdqu xmmword ptr [${STACK_TOP - 7}], xmm2`),
    same(`push rax\npush rcx\npop rdx`, { regs: { rsp: BigInt(STACK_TOP + 4) } }),
  ]);
});

test("self-modifying code: rewritten blocks run their new bytes", async () => {
  // block A runs once, is patched (its imm32), and runs again
  await same(`xor r8d, r8d
  jmp 10f
11: mov dword ptr [rip + 10f + 1], 0x22
  mov r8d, 1
  jmp 10f
12: jmp 13f
10: mov eax, 0x11
  test r8d, r8d
  jz 11b
  jmp 12b
13:`);
  // a loop that patches its own body: the second iteration must add 0x10, not 1
  await same(`xor eax, eax
  mov ecx, 2
1: add eax, 1
  mov byte ptr [rip + 1b + 2], 0x10
  dec ecx
  jnz 1b`);
  // a store that rewrites the very next instruction (x86 sees the new bytes)
  await same(`mov byte ptr [rip + 1f], 0x90
1: int3
  mov eax, 7`);
  // code written byte by byte into a fresh area and then executed
  await same(`lea rdi, [rip + 2f]
  mov dword ptr [rdi], 0x90c3ff48
  mov byte ptr [rdi + 3], 0x90
  xor ebx, ebx
  jmp 2f
2: .skip 16, 0xcc`);
});

test("faults: unmapped read and write stop at the instruction with the address", async () => {
  const r = await runBoth("mov rax, qword ptr [0x5000008]\nmov eax, 1");
  assert.equal(r.native.exit, "PAGE_FAULT");
  assert.equal(diffStates(r.native, r.wasl), []);
  assert.equal(r.wasl.rip, BigInt(r.start), "rip is left at the faulting instruction");
  assert.equal(r.wasl.faultAddr, 0x5000008n);
  const w = await runBoth("mov ecx, 5\nmov byte ptr [rcx + 0x6000000], 1", { regs: { rax: 3n } });
  assert.equal(diffStates(w.native, w.wasl), []);
  assert.equal(w.wasl.exit, "PAGE_FAULT");
  assert.equal(w.wasl.regs.rcx, 5n, "instructions before the fault completed");
  // a write that would cross from the data area into the unmapped page after it writes nothing
  const mem = data();
  const x = await runBoth(`mov qword ptr [${DATA_ADDR + 4092}], rax`, { mem });
  assert.equal(diffStates(x.native, x.wasl), []);
  assert.equal(x.wasl.exit, "PAGE_FAULT");
  assert.equal(x.wasl.mem.subarray(4092), mem.subarray(4092), "a faulting write leaves memory alone");
  await same("mov rax, qword ptr [rbx]", { regs: { rbx: 0n } });
  // divide error and #UD leave rip at the instruction too
  await same("xor ecx, ecx\ndiv rcx");
  await same("ud2");
});

test("faults: a non-canonical address is #GP, not a page fault", async () => {
  await same("mov rax, qword ptr [rbx]", { regs: { rbx: 0x8000_0000_0000_0000n } });
  await same("mov qword ptr [rbx], rax", { regs: { rbx: 0x0000_8000_0000_0000n } });
});

test("lazy zero pages: untouched stack pages read as zero on both", async () => {
  await same(`mov rax, qword ptr [${STACK_TOP - 0x7000}]\nmov qword ptr [${STACK_TOP - 0x6000}], rcx\nmov rdx, qword ptr [${STACK_TOP - 0x6000}]`);
  const { m, root, L } = await bareMachine();
  const c = m.core;
  const before = c.getFramesInUse();
  assert.equal(c.ptMap(root, 0x7000_0000n, 256, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE), 0);
  assert.ok(c.getFramesInUse() <= before + 3, "a lazy map allocates page-table frames only"); // PDPT, PD, PT
  // mov rax, [0x70001000]; mov [0x70002008], rax; int3
  assert.ok(c.ptMap(root, 0x10000n, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC) === 0);
  m.copyOut(0x10000n, new Uint8Array([0x48, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x70, 0x48, 0x89, 0x04, 0x25, 0x08, 0x20, 0x00, 0x70, 0xcc]));
  const afterMap = c.getFramesInUse();
  m.setReg(0, 0xffffn);
  m.rip = 0x10000n;
  assert.equal(m.run(100), L.EXIT_INT3);
  assert.equal(m.reg(0), 0n, "a lazy page reads as zero");
  assert.equal(m.readU64(0x70002008n), 0n);
  const touched = c.getFramesInUse() - afterMap;
  assert.ok(touched >= 1 && touched <= 2, `touching two lazy pages allocates at most their two frames (got ${touched})`);
  assert.equal(m.readU64(0x70003000n), 0n);
});

test("copy-on-write: ptCloneCow gives two address spaces that stop sharing on write", async () => {
  const { m, root, L } = await bareMachine();
  const c = m.core;
  const code = 0x10000n, page = 0x200000n;
  c.ptMap(root, code, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
  c.ptMap(root, page, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE);
  // mov [0x200000], rax; mov rcx, [0x200008]; int3
  m.copyOut(code, new Uint8Array([0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x20, 0x00, 0x48, 0x8b, 0x0c, 0x25, 0x08, 0x00, 0x20, 0x00, 0xcc]));
  assert.ok(m.writeU64(page, 0x1111n) && m.writeU64(page + 8n, 0x2222n));
  const child = c.ptCloneCow(root);
  assert.ok(child > 0);
  const frame = Number(c.ptLookup(root, page) & BigInt(L.PTE_FRAME_MASK));
  assert.equal(Number(c.ptLookup(child, page) & BigInt(L.PTE_FRAME_MASK)), frame, "the clone shares the frame");
  assert.equal(c.frameRefs(frame >>> 12) || c.frameRefs(frame), 2);

  // the child writes through an instruction: its copy changes, the parent's does not
  c.setAddressSpace(child);
  m.setReg(0, 0xc0ffeen);
  m.rip = code;
  assert.equal(m.run(100), L.EXIT_INT3);
  assert.equal(m.reg(1), 0x2222n);
  assert.equal(m.readU64(page), 0xc0ffeen);
  c.setAddressSpace(root);
  assert.equal(m.readU64(page), 0x1111n, "parent unchanged after the child's write");
  assert.ok((c.ptLookup(child, page) & BigInt(L.PTE_FRAME_MASK)) !== (c.ptLookup(root, page) & BigInt(L.PTE_FRAME_MASK)));

  // and the parent's later write is not visible to the child
  m.setReg(0, 0xbeefn);
  m.rip = code;
  assert.equal(m.run(100), L.EXIT_INT3);
  assert.equal(m.readU64(page), 0xbeefn);
  c.setAddressSpace(child);
  assert.equal(m.readU64(page), 0xc0ffeen, "child unchanged after the parent's write");
});

test("fetch fault: an instruction running off the end of the mapped code", async () => {
  const { m, root, L } = await bareMachine();
  const c = m.core;
  c.ptMap(root, 0x10000n, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
  // nop; then movabs rax, imm64 starting 3 bytes before the page end
  m.copyOut(0x10ffcn, new Uint8Array([0x90, 0x48, 0xb8, 0x11]));
  m.rip = 0x10ffcn;
  assert.equal(m.run(100), L.EXIT_PAGE_FAULT);
  assert.equal(m.rip, 0x10ffdn, "rip at the instruction whose bytes are missing");
  assert.equal(m.faultAddr, 0x11000n);
  assert.equal(m.faultAccess, 4);
  // map the next page: the same instruction now completes
  c.ptMap(root, 0x11000n, 1, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE | L.PTE_EXEC);
  m.copyOut(0x11000n, new Uint8Array([0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0xcc]));
  assert.equal(m.run(100), L.EXIT_INT3);
  assert.equal(hex(m.reg(0)), hex(0x8877665544332211n));
});

test("instruction length: 15 bytes run, 16 bytes fault like the host", async () => {
  const r15 = await runBoth(".byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66, 0x2e, 0x01, 0xc8, 0x90"); // 14 + nop
  assert.equal(diffStates(r15.native, r15.wasl), []);
  const ok = await runBoth(".byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66, 0x2e, 0x81, 0xc0, 0x34, 0x12"); // 15: add ax, 0x1234
  assert.equal(diffStates(ok.native, ok.wasl), []);
  const bad = await runBoth(".byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66, 0x2e, 0x81, 0xc0, 0x34, 0x12"); // 16
  assert.equal(bad.native.exit, "GP");
  assert.equal(diffStates(bad.native, bad.wasl), []);
});


test("memory views stay current when the core grows its memory (copy-in/out, registers, strings)", async () => {
  const { m, root, L } = await bareMachine();
  const c = m.core;
  const base = 0x4000_0000n, pages = 8192; // 32 MiB of lazy pages: touching them must grow the memory
  assert.equal(c.ptMap(root, base, pages, 0, L.PTE_LAZY | L.PTE_READ | L.PTE_WRITE), 0);
  const startLen = c.memory.buffer.byteLength;
  let grew = 0;
  for (let i = 0; i < pages; i++) {
    const len = c.memory.buffer.byteLength;
    // a write that straddles two pages, made through a view that must follow the growth
    const va = base + BigInt(i) * 4096n + 4090n;
    const bytes = new Uint8Array(12).map((_, j) => (i + j) & 0xff);
    if (i + 1 < pages) assert.ok(m.copyOut(va, bytes));
    if (c.memory.buffer.byteLength !== len) {
      grew++;
      assert.equal(m.u8.buffer, c.memory.buffer, "u8 renewed after the memory grew");
      assert.equal(m.view.buffer, c.memory.buffer, "view renewed after the memory grew");
      assert.equal([...m.copyIn(va, 12)].join(), [...bytes].join(), "the bytes written during the growth are there");
      m.setReg(3, 0x1234_5678_9abc_def0n);
      assert.equal(m.reg(3), 0x1234_5678_9abc_def0n);
      assert.equal(c.memory.buffer.byteLength > startLen, true);
      if (grew >= 2) break;
    }
  }
  assert.ok(grew >= 1, "the memory grew");
  // a NUL-terminated string across a page boundary, and one that is too long
  const s = base + 4096n * 100n + 4090n;
  assert.ok(m.copyOut(s, new TextEncoder().encode("hello, world\0")));
  assert.equal(m.copyInString(s), "hello, world");
  assert.equal(m.copyInString(s, 5), null);
  assert.equal(m.copyInString(base - 4096n), null, "EFAULT on an unmapped page");
  // small values across a page end
  assert.ok(m.writeU64(base + 4092n, 0x1122334455667788n));
  assert.equal(m.readU64(base + 4092n), 0x1122334455667788n);
  assert.ok(m.writeU32(base + 4094n, 0xdeadbeef));
  assert.equal(m.readU32(base + 4094n), 0xdeadbeef);
  assert.equal(m.readU32(base - 2n), null);
  const first = m.readU32(base);
  assert.equal(m.copyOut(base - 2n, new Uint8Array([1, 2, 3, 4])), false, "a copy-out that faults part-way fails");
  assert.equal(m.readU32(base), first, "and writes nothing");
});

test.run();

// Random 16-byte SIMD operands for the ISA tests: integer lanes biased toward boundary bytes, or
// float lanes mixing the caller's special values with numbers from a chosen exponent window.

/**
 * kind "ps" / "pd": float lanes; anything else: integer bytes. opts: f32Special, f64Special (lists
 * of bit patterns), f32Exp / f64Exp ([lowest biased exponent, window width]), specialRate.
 */
export function randomLanes(rnd, kind, { f32Special = [0], f64Special = [0n], f32Exp = [123, 40], f64Exp = [1019, 40], specialRate = 0.4 } = {}) {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  if (kind === "ps") {
    for (let i = 0; i < 4; i++) {
      const e = f32Exp[0] + rnd.int(f32Exp[1]);
      const v = rnd() < specialRate ? rnd.pick(f32Special) : ((rnd() < 0.5 ? 0x80000000 : 0) | (e << 23) | rnd.int(1 << 23)) >>> 0;
      dv.setUint32(i * 4, v >>> 0, true);
    }
  } else if (kind === "pd") {
    for (let i = 0; i < 2; i++) {
      const e = BigInt(f64Exp[0] + rnd.int(f64Exp[1]));
      const v = rnd() < specialRate ? rnd.pick(f64Special) : (rnd() < 0.5 ? 1n << 63n : 0n) | (e << 52n) | BigInt(rnd.int(2 ** 26)) << 26n | BigInt(rnd.int(2 ** 26));
      dv.setBigUint64(i * 8, v, true);
    }
  } else {
    const style = rnd.int(4), special = [0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe];
    for (let i = 0; i < 16; i++) {
      b[i] = rnd.int(256);
      if (style === 1) b[i] = rnd.pick(special);
      if (style === 2 && i % 2 === 1) b[i] = rnd() < 0.5 ? 0 : 0xff;
    }
    if (style === 3) for (let i = 0; i < 16; i += 2) { b[i] = rnd.pick([0, 0x80, 0xff, 0x7f]); b[i + 1] = rnd.pick([0, 0x80, 0xff, 0x7f]); }
  }
  return b;
}

/**
 * An instruction template with its placeholders filled: each `{k}` key of fillers, in their order,
 * is replaced occurrence by occurrence with a fresh value from its function.
 */
export function fillTemplate(tpl, fillers) {
  let s = tpl;
  for (const [k, f] of Object.entries(fillers)) while (s.includes(k)) s = s.replace(k, f());
  return s;
}

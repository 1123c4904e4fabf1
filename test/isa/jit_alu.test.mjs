// The alu.test.mjs cases again with the JIT compiling every block on its first entry, so each
// snippet runs as generated Wasm (runtime/jit) and must leave exactly the interpreter's state.
process.env.ISA_JIT ??= "1";
await import("./alu.test.mjs");

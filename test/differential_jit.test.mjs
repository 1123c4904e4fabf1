// A few differential guests again with the JIT compiling every block on its first entry
// (WASL_JIT=1): CPU-heavy code, an interpreter (indirect jumps), signals and faults in compiled
// code, threads sharing one machine. Stdout and status must still match the native run.
process.env.WASL_DIFF_GUESTS ??= "crc32,sha256,interp,sig_faults,proc_pthreads";
process.env.WASL_DIFF_JIT ??= "1";
await import("./differential.test.mjs");

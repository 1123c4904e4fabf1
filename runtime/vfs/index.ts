// The VFS of wasl: inodes and superblocks (inode.ts), file systems (memfs/tmpfs, hostfs, devfs,
// procfs), mounts and dentries (mount.ts), namei and the file-system calls (vfs.ts), open file
// descriptions (file.ts), descriptor tables (fdtable.ts), pipes and readiness (pipe.ts), and the
// guest ABI's byte layouts (abi.ts).
export * from "./abi.js";
export * from "./inode.js";
export * from "./memfs.js";
export * from "./mount.js";
export * from "./file.js";
export * from "./fdtable.js";
export * from "./pipe.js";
export * from "./vfs.js";
export * from "./hostfs.js";
export * from "./devfs.js";
export * from "./procfs.js";
export * from "./socket.js";
export * from "./netlink.js";
export * from "./inet.js";
export * from "./fsnotify.js";

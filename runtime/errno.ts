// Linux errno values (asm-generic/errno-base.h, errno.h). Guest-visible errors are always these,
// never the host's numbers: host errors are translated by name (see errnoFromCode).

export const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8,
  EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, ENOTBLK = 15, EBUSY = 16,
  EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24,
  ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32,
  EDOM = 33, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39,
  ELOOP = 40, ENOMSG = 42, EIDRM = 43, ENOSTR = 60, ENODATA = 61, ETIME = 62, ENOSR = 63, EOVERFLOW = 75,
  EBADFD = 77, EILSEQ = 84, ERESTART = 85, EUSERS = 87, ENOTSOCK = 88, EDESTADDRREQ = 89, EMSGSIZE = 90,
  EPROTOTYPE = 91, ENOPROTOOPT = 92, EPROTONOSUPPORT = 93, ESOCKTNOSUPPORT = 94, EOPNOTSUPP = 95,
  EPFNOSUPPORT = 96, EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100,
  ENETUNREACH = 101, ENETRESET = 102, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105, EISCONN = 106,
  ENOTCONN = 107, ESHUTDOWN = 108, ETOOMANYREFS = 109, ETIMEDOUT = 110, ECONNREFUSED = 111,
  EHOSTDOWN = 112, EHOSTUNREACH = 113, EALREADY = 114, EINPROGRESS = 115, ESTALE = 116, EDQUOT = 122,
  ECANCELED = 125, EOWNERDEAD = 130, ENOTRECOVERABLE = 131;

/** errno number → name, for --trace and messages. */
export const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC",
  9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK",
  16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL",
  23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE",
  30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG",
  37: "ENOLCK", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 42: "ENOMSG", 43: "EIDRM", 60: "ENOSTR",
  61: "ENODATA", 62: "ETIME", 63: "ENOSR", 75: "EOVERFLOW", 77: "EBADFD", 84: "EILSEQ", 85: "ERESTART",
  87: "EUSERS", 88: "ENOTSOCK", 89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE", 92: "ENOPROTOOPT",
  93: "EPROTONOSUPPORT", 94: "ESOCKTNOSUPPORT", 95: "EOPNOTSUPP", 96: "EPFNOSUPPORT", 97: "EAFNOSUPPORT",
  98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN", 101: "ENETUNREACH", 102: "ENETRESET",
  103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS", 106: "EISCONN", 107: "ENOTCONN", 108: "ESHUTDOWN",
  109: "ETOOMANYREFS", 110: "ETIMEDOUT", 111: "ECONNREFUSED", 112: "EHOSTDOWN", 113: "EHOSTUNREACH",
  114: "EALREADY", 115: "EINPROGRESS", 116: "ESTALE", 122: "EDQUOT", 125: "ECANCELED", 130: "EOWNERDEAD",
  131: "ENOTRECOVERABLE",
  // Kernel-internal restart codes (never seen by the guest; --trace shows them as strace does).
  512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK",
};

const BY_NAME: Record<string, number> = Object.fromEntries(Object.entries(ERRNO_NAMES).map(([n, s]) => [s, Number(n)]));

/** Linux errno for a host error code name such as "ENOENT" (Node's err.code); EIO when unknown. */
export function errnoFromCode(code: string | undefined): number {
  if (code === "EWOULDBLOCK") return EAGAIN;
  return (code && BY_NAME[code]) || EIO;
}

/** "ENOENT" for 2; "E123" for numbers without a name. */
export function errnoName(n: number): string { return ERRNO_NAMES[n] ?? `E${n}`; }

/** Linux's strerror text for the errors wasl reports itself. */
export const ERRNO_TEXT: Record<number, string> = {
  [ENOENT]: "No such file or directory", [EACCES]: "Permission denied", [ENOEXEC]: "Exec format error",
  [EISDIR]: "Is a directory", [ENOTDIR]: "Not a directory", [ENOMEM]: "Cannot allocate memory",
  [EIO]: "Input/output error", [ELOOP]: "Too many levels of symbolic links", [ENAMETOOLONG]: "File name too long",
  [EINVAL]: "Invalid argument", [EPERM]: "Operation not permitted", [EEXIST]: "File exists",
  [EBADF]: "Bad file descriptor", [ENOTTY]: "Inappropriate ioctl for device", [ENOSYS]: "Function not implemented",
  [EFAULT]: "Bad address", [ESPIPE]: "Illegal seek", [EROFS]: "Read-only file system", [EPIPE]: "Broken pipe",
  [EAGAIN]: "Resource temporarily unavailable", [ERANGE]: "Numerical result out of range", [ESRCH]: "No such process",
  [EINTR]: "Interrupted system call", [E2BIG]: "Argument list too long", [ENODEV]: "No such device",
  [EMFILE]: "Too many open files",
};

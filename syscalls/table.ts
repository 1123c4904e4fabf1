// The system call table: every x86-64 number from the kernel's arch/x86/entry/syscalls/syscall_64.tbl
// with its name, argument kinds (for --trace), handler and support status. The one source for
// dispatch, tracing and the coverage list.
import type { ArgKind, Handler, Status, SyscallEntry } from "./types.js";
import { ENOSYS } from "../runtime/errno.js";
import * as fs from "./fs.js";
import * as io from "./fs_io.js";
import * as poll from "./poll.js";
import * as inotify from "./inotify.js";
import * as tty from "./tty.js";
import * as mm from "./mm.js";
import * as proc from "./process.js";
import * as sig from "./signal.js";
import * as misc from "./misc.js";
import * as futex from "./futex.js";
import * as time from "./time.js";
import * as sched from "./sched.js";
import * as sock from "./socket.js";
import * as pidfd from "./pidfd.js";
import * as ipc from "./ipc.js";

// number name argument-kinds (one line per call, numbers in order; 337–423 are unassigned).
const NUMBERS = `
0 read fd,obuf,size
1 write fd,buf,size
2 open path,oflags,mode
3 close fd
4 stat path,ptr
5 fstat fd,ptr
6 lstat path,ptr
7 poll ptr,uint,int
8 lseek fd,off,whence
9 mmap ptr,size,prot,mapflags,fd,off
10 mprotect ptr,size,prot
11 munmap ptr,size
12 brk ptr
13 rt_sigaction signal,ptr,ptr,size
14 rt_sigprocmask sighow,ptr,ptr,size
15 rt_sigreturn -
16 ioctl fd,ioctl,hex
17 pread64 fd,obuf,size,off
18 pwrite64 fd,buf,size,off
19 readv fd,ptr,int
20 writev fd,ptr,int
21 access path,mode
22 pipe ptr
23 select int,ptr,ptr,ptr,ptr
24 sched_yield -
25 mremap ptr,size,size,hex,ptr
26 msync ptr,size,hex
27 mincore ptr,size,ptr
28 madvise ptr,size,int
29 shmget int,size,hex
30 shmat int,ptr,hex
31 shmctl int,int,ptr
32 dup fd
33 dup2 fd,fd
34 pause -
35 nanosleep ptr,ptr
36 getitimer int,ptr
37 alarm uint
38 setitimer int,ptr,ptr
39 getpid -
40 sendfile fd,fd,ptr,size
41 socket int,int,int
42 connect fd,ptr,int
43 accept fd,ptr,ptr
44 sendto fd,buf,size,hex,ptr,int
45 recvfrom fd,ptr,size,hex,ptr,ptr
46 sendmsg fd,ptr,hex
47 recvmsg fd,ptr,hex
48 shutdown fd,int
49 bind fd,ptr,int
50 listen fd,int
51 getsockname fd,ptr,ptr
52 getpeername fd,ptr,ptr
53 socketpair int,int,int,ptr
54 setsockopt fd,int,int,ptr,int
55 getsockopt fd,int,int,ptr,ptr
56 clone hex,ptr,ptr,ptr,hex
57 fork -
58 vfork -
59 execve path,strv,strv
60 exit int
61 wait4 int,ptr,hex,ptr
62 kill int,signal
63 uname ptr
64 semget int,int,hex
65 semop int,ptr,size
66 semctl int,int,int,hex
67 shmdt ptr
68 msgget int,hex
69 msgsnd int,ptr,size,hex
70 msgrcv int,ptr,size,int,hex
71 msgctl int,int,ptr
72 fcntl fd,int,hex
73 flock fd,int
74 fsync fd
75 fdatasync fd
76 truncate path,off
77 ftruncate fd,off
78 getdents fd,ptr,size
79 getcwd ptr,size
80 chdir path
81 fchdir fd
82 rename path,path
83 mkdir path,mode
84 rmdir path
85 creat path,mode
86 link path,path
87 unlink path
88 symlink path,path
89 readlink path,obuf,size
90 chmod path,mode
91 fchmod fd,mode
92 chown path,int,int
93 fchown fd,int,int
94 lchown path,int,int
95 umask mode
96 gettimeofday ptr,ptr
97 getrlimit rlimit,ptr
98 getrusage int,ptr
99 sysinfo ptr
100 times ptr
101 ptrace int,int,ptr,ptr
102 getuid -
103 syslog int,ptr,int
104 getgid -
105 setuid int
106 setgid int
107 geteuid -
108 getegid -
109 setpgid int,int
110 getppid -
111 getpgrp -
112 setsid -
113 setreuid int,int
114 setregid int,int
115 getgroups int,ptr
116 setgroups int,ptr
117 setresuid int,int,int
118 getresuid ptr,ptr,ptr
119 setresgid int,int,int
120 getresgid ptr,ptr,ptr
121 getpgid int
122 setfsuid int
123 setfsgid int
124 getsid int
125 capget ptr,ptr
126 capset ptr,ptr
127 rt_sigpending ptr,size
128 rt_sigtimedwait ptr,ptr,ptr,size
129 rt_sigqueueinfo int,signal,ptr
130 rt_sigsuspend ptr,size
131 sigaltstack ptr,ptr
132 utime path,ptr
133 mknod path,mode,hex
134 uselib path
135 personality hex
136 ustat hex,ptr
137 statfs path,ptr
138 fstatfs fd,ptr
139 sysfs int,hex,hex
140 getpriority int,int
141 setpriority int,int,int
142 sched_setparam int,ptr
143 sched_getparam int,ptr
144 sched_setscheduler int,int,ptr
145 sched_getscheduler int
146 sched_get_priority_max int
147 sched_get_priority_min int
148 sched_rr_get_interval int,ptr
149 mlock ptr,size
150 munlock ptr,size
151 mlockall hex
152 munlockall -
153 vhangup -
154 modify_ldt int,ptr,size
155 pivot_root path,path
156 _sysctl ptr
157 prctl int,hex,hex,hex,hex
158 arch_prctl arch_prctl,hex
159 adjtimex ptr
160 setrlimit rlimit,ptr
161 chroot path
162 sync -
163 acct path
164 settimeofday ptr,ptr
165 mount str,path,str,hex,ptr
166 umount2 path,hex
167 swapon path,hex
168 swapoff path
169 reboot hex,hex,hex,ptr
170 sethostname str,size
171 setdomainname str,size
172 iopl int
173 ioperm hex,hex,int
174 create_module str,size
175 init_module ptr,size,str
176 delete_module str,hex
177 get_kernel_syms ptr
178 query_module str,int,ptr,size,ptr
179 quotactl int,path,int,ptr
180 nfsservctl int,ptr,ptr
181 getpmsg -
182 putpmsg -
183 afs_syscall -
184 tuxcall -
185 security -
186 gettid -
187 readahead fd,off,size
188 setxattr path,str,ptr,size,hex
189 lsetxattr path,str,ptr,size,hex
190 fsetxattr fd,str,ptr,size,hex
191 getxattr path,str,ptr,size
192 lgetxattr path,str,ptr,size
193 fgetxattr fd,str,ptr,size
194 listxattr path,ptr,size
195 llistxattr path,ptr,size
196 flistxattr fd,ptr,size
197 removexattr path,str
198 lremovexattr path,str
199 fremovexattr fd,str
200 tkill int,signal
201 time ptr
202 futex ptr,futexop,int,ptr,ptr,int
203 sched_setaffinity int,size,ptr
204 sched_getaffinity int,size,ptr
205 set_thread_area ptr
206 io_setup uint,ptr
207 io_destroy hex
208 io_getevents hex,int,int,ptr,ptr
209 io_submit hex,int,ptr
210 io_cancel hex,ptr,ptr
211 get_thread_area ptr
212 lookup_dcookie hex,ptr,size
213 epoll_create int
214 epoll_ctl_old -
215 epoll_wait_old -
216 remap_file_pages ptr,size,prot,size,hex
217 getdents64 fd,ptr,size
218 set_tid_address ptr
219 restart_syscall -
220 semtimedop int,ptr,size,ptr
221 fadvise64 fd,off,size,int
222 timer_create clock,ptr,ptr
223 timer_settime int,hex,ptr,ptr
224 timer_gettime int,ptr
225 timer_getoverrun int
226 timer_delete int
227 clock_settime clock,ptr
228 clock_gettime clock,ptr
229 clock_getres clock,ptr
230 clock_nanosleep clock,hex,ptr,ptr
231 exit_group int
232 epoll_wait fd,ptr,int,int
233 epoll_ctl fd,int,fd,ptr
234 tgkill int,int,signal
235 utimes path,ptr
236 vserver -
237 mbind ptr,size,int,ptr,size,hex
238 set_mempolicy int,ptr,size
239 get_mempolicy ptr,ptr,size,ptr,hex
240 mq_open str,oflags,mode,ptr
241 mq_unlink str
242 mq_timedsend int,ptr,size,uint,ptr
243 mq_timedreceive int,ptr,size,ptr,ptr
244 mq_notify int,ptr
245 mq_getsetattr int,ptr,ptr
246 kexec_load hex,hex,ptr,hex
247 waitid int,int,ptr,hex,ptr
248 add_key str,str,ptr,size,int
249 request_key str,str,str,int
250 keyctl int,hex,hex,hex,hex
251 ioprio_set int,int,int
252 ioprio_get int,int
253 inotify_init -
254 inotify_add_watch fd,path,hex
255 inotify_rm_watch fd,int
256 migrate_pages int,size,ptr,ptr
257 openat dirfd,path,oflags,mode
258 mkdirat dirfd,path,mode
259 mknodat dirfd,path,mode,hex
260 fchownat dirfd,path,int,int,atflags
261 futimesat dirfd,path,ptr
262 newfstatat dirfd,path,ptr,atflags
263 unlinkat dirfd,path,atflags
264 renameat dirfd,path,dirfd,path
265 linkat dirfd,path,dirfd,path,atflags
266 symlinkat path,dirfd,path
267 readlinkat dirfd,path,obuf,size
268 fchmodat dirfd,path,mode
269 faccessat dirfd,path,mode
270 pselect6 int,ptr,ptr,ptr,ptr,ptr
271 ppoll ptr,uint,ptr,ptr,size
272 unshare hex
273 set_robust_list ptr,size
274 get_robust_list int,ptr,ptr
275 splice fd,ptr,fd,ptr,size,hex
276 tee fd,fd,size,hex
277 sync_file_range fd,off,off,hex
278 vmsplice fd,ptr,size,hex
279 move_pages int,size,ptr,ptr,ptr,hex
280 utimensat dirfd,path,ptr,atflags
281 epoll_pwait fd,ptr,int,int,ptr,size
282 signalfd fd,ptr,size
283 timerfd_create clock,hex
284 eventfd uint
285 fallocate fd,int,off,off
286 timerfd_settime fd,hex,ptr,ptr
287 timerfd_gettime fd,ptr
288 accept4 fd,ptr,ptr,hex
289 signalfd4 fd,ptr,size,hex
290 eventfd2 uint,hex
291 epoll_create1 hex
292 dup3 fd,fd,oflags
293 pipe2 ptr,oflags
294 inotify_init1 hex
295 preadv fd,ptr,int,off
296 pwritev fd,ptr,int,off
297 rt_tgsigqueueinfo int,int,signal,ptr
298 perf_event_open ptr,int,int,int,hex
299 recvmmsg fd,ptr,uint,hex,ptr
300 fanotify_init hex,hex
301 fanotify_mark fd,hex,hex,dirfd,path
302 prlimit64 int,rlimit,ptr,ptr
303 name_to_handle_at dirfd,path,ptr,ptr,atflags
304 open_by_handle_at fd,ptr,oflags
305 clock_adjtime clock,ptr
306 syncfs fd
307 sendmmsg fd,ptr,uint,hex
308 setns fd,hex
309 getcpu ptr,ptr,ptr
310 process_vm_readv int,ptr,uint,ptr,uint,hex
311 process_vm_writev int,ptr,uint,ptr,uint,hex
312 kcmp int,int,int,hex,hex
313 finit_module fd,str,hex
314 sched_setattr int,ptr,hex
315 sched_getattr int,ptr,uint,hex
316 renameat2 dirfd,path,dirfd,path,hex
317 seccomp uint,hex,ptr
318 getrandom obuf,size,hex
319 memfd_create str,hex
320 kexec_file_load fd,fd,size,str,hex
321 bpf int,ptr,uint
322 execveat dirfd,path,strv,strv,atflags
323 userfaultfd hex
324 membarrier int,hex,int
325 mlock2 ptr,size,hex
326 copy_file_range fd,ptr,fd,ptr,size,hex
327 preadv2 fd,ptr,int,off,hex
328 pwritev2 fd,ptr,int,off,hex
329 pkey_mprotect ptr,size,prot,int
330 pkey_alloc hex,hex
331 pkey_free int
332 statx dirfd,path,atflags,hex,ptr
333 io_pgetevents hex,int,int,ptr,ptr,ptr
334 rseq ptr,uint,hex,hex
335 uretprobe -
336 uprobe -
424 pidfd_send_signal fd,signal,ptr,hex
425 io_uring_setup uint,ptr
426 io_uring_enter fd,uint,uint,hex,ptr,size
427 io_uring_register fd,uint,ptr,uint
428 open_tree dirfd,path,hex
429 move_mount dirfd,path,dirfd,path,hex
430 fsopen str,hex
431 fsconfig fd,uint,str,ptr,int
432 fsmount fd,hex,hex
433 fspick dirfd,path,hex
434 pidfd_open int,hex
435 clone3 ptr,size
436 close_range uint,uint,hex
437 openat2 dirfd,path,ptr,size
438 pidfd_getfd fd,fd,hex
439 faccessat2 dirfd,path,mode,atflags
440 process_madvise fd,ptr,size,int,hex
441 epoll_pwait2 fd,ptr,int,ptr,ptr,size
442 mount_setattr dirfd,path,hex,ptr,size
443 quotactl_fd fd,uint,int,ptr
444 landlock_create_ruleset ptr,size,hex
445 landlock_add_rule fd,int,ptr,hex
446 landlock_restrict_self fd,hex
447 memfd_secret hex
448 process_mrelease fd,hex
449 futex_waitv ptr,uint,hex,ptr,clock
450 set_mempolicy_home_node ptr,size,hex,hex
451 cachestat fd,ptr,ptr,hex
452 fchmodat2 dirfd,path,mode,atflags
453 map_shadow_stack ptr,size,hex
454 futex_wake ptr,hex,int,hex
455 futex_wait ptr,hex,hex,hex,ptr,clock
456 futex_requeue ptr,hex,int,int
457 statmount ptr,ptr,size,hex
458 listmount ptr,ptr,size,hex
459 lsm_get_self_attr uint,ptr,ptr,hex
460 lsm_set_self_attr uint,ptr,size,hex
461 lsm_list_modules ptr,ptr,hex
`;

interface Impl { handler: Handler; status?: Status; note?: string }

/** What the socket layer is: a machine without a network. */
const NET = "AF_UNIX stream, datagram and seqpacket; AF_INET/AF_INET6 TCP and UDP on a loopback-only network inside the machine (other destinations ENETUNREACH; no raw sockets, no urgent data); AF_NETLINK with NETLINK_ROUTE answers RTM_GETLINK/RTM_GETADDR about lo (other requests NLMSG_ERROR EOPNOTSUPP, changes EPERM; other netlink protocols EPROTONOSUPPORT); every other family (AF_PACKET…) is EAFNOSUPPORT";

/** The implemented calls; everything else is ENOSYS. */
const IMPL: Record<string, Impl> = {
  read: { handler: io.sysRead },
  write: { handler: io.sysWrite },
  open: { handler: fs.sysOpen, status: "partial", note: "FIFOs on a host folder are wasl's named pipes (host processes cannot reach them); O_TMPFILE on tmpfs only" },
  openat: { handler: fs.sysOpenat, status: "partial", note: "FIFOs on a host folder are wasl's named pipes (host processes cannot reach them); O_TMPFILE on tmpfs only" },
  openat2: { handler: fs.sysOpenat2, status: "partial", note: "RESOLVE_* restrictions give EINVAL" },
  creat: { handler: fs.sysCreat },
  close: { handler: io.sysClose },
  close_range: { handler: io.sysCloseRange },
  stat: { handler: fs.sysStat },
  fstat: { handler: fs.sysFstat },
  lstat: { handler: fs.sysLstat },
  newfstatat: { handler: fs.sysNewfstatat },
  statx: { handler: fs.sysStatx },
  lseek: { handler: io.sysLseek, status: "partial", note: "the host's stdio is a stream (ESPIPE) even when it is a file" },
  pread64: { handler: io.sysPread64 },
  pwrite64: { handler: io.sysPwrite64 },
  readv: { handler: io.sysReadv },
  writev: { handler: io.sysWritev },
  preadv: { handler: io.sysPreadv },
  pwritev: { handler: io.sysPwritev },
  preadv2: { handler: io.sysPreadv2, status: "partial", note: "RWF_* flags are accepted; only RWF_NOWAIT changes anything" },
  pwritev2: { handler: io.sysPwritev2, status: "partial", note: "RWF_* flags are accepted; only RWF_NOWAIT changes anything" },
  ioctl: { handler: tty.sysIoctl, status: "partial", note: "FIONBIO/FIOASYNC/FIOCLEX/FIONCLEX/FIONREAD; sockets: SIOCINQ, SIOCOUTQ (counts per-message overhead, like Linux, but not the same amount), SIOCGIFNAME/INDEX/FLAGS/MTU/HWADDR/CONF/ADDR/NETMASK/BRDADDR about lo (SIOCSIF* EPERM); ptys: TCGETS/TCSETS*/TCGETS2/TCSETS2*, TIOCGWINSZ/TIOCSWINSZ (SIGWINCH), TIOCGPGRP/TIOCSPGRP/TIOCGSID/TIOCSCTTY/TIOCNOTTY, TCFLSH, TCXONC, TCSBRK(P), TIOCOUTQ, TIOCGETD, TIOCGPTN/TIOCSPTLCK/TIOCGPTLCK/TIOCGPTPEER, TIOCPKT/TIOCGPKT (packet mode); not TIOCSTI, TIOCEXCL, modem lines; others ENOTTY" },
  readlink: { handler: fs.sysReadlink },
  readlinkat: { handler: fs.sysReadlinkat },
  getcwd: { handler: fs.sysGetcwd },
  chdir: { handler: fs.sysChdir },
  fchdir: { handler: fs.sysFchdir },
  chroot: { handler: fs.sysChroot },
  umask: { handler: fs.sysUmask },
  dup: { handler: io.sysDup },
  dup2: { handler: io.sysDup2 },
  dup3: { handler: io.sysDup3 },
  pipe: { handler: io.sysPipe },
  pipe2: { handler: io.sysPipe2 },
  memfd_create: { handler: io.sysMemfdCreate, status: "partial", note: "no MFD_HUGETLB; seals as Linux keeps them (F_SEAL_FUTURE_WRITE also stops the write-back of shared mappings made writable before it)" },
  sendfile: { handler: io.sysSendfile, status: "partial", note: "copies through a kernel buffer of up to 1 MiB per call" },
  copy_file_range: { handler: io.sysCopyFileRange, status: "partial", note: "copies through a kernel buffer of up to 1 MiB per call" },
  splice: { handler: io.sysSplice, status: "partial", note: "copies through a kernel buffer (no page moving); SPLICE_F_MOVE/MORE are hints" },
  getdents64: { handler: fs.sysGetdents64 },
  getdents: { handler: fs.sysGetdents },
  mkdir: { handler: fs.sysMkdir },
  mkdirat: { handler: fs.sysMkdirat },
  mknod: { handler: fs.sysMknod, status: "partial", note: "FIFOs, sockets and devices on tmpfs; on a host folder a FIFO or socket node is an empty host file the guest sees with the node's type, devices EPERM" },
  mknodat: { handler: fs.sysMknodat, status: "partial", note: "FIFOs, sockets and devices on tmpfs; on a host folder a FIFO or socket node is an empty host file the guest sees with the node's type, devices EPERM" },
  rmdir: { handler: fs.sysRmdir },
  unlink: { handler: fs.sysUnlink },
  unlinkat: { handler: fs.sysUnlinkat },
  rename: { handler: fs.sysRename },
  renameat: { handler: fs.sysRenameat },
  renameat2: { handler: fs.sysRenameat2, status: "partial", note: "RENAME_WHITEOUT gives EINVAL; RENAME_EXCHANGE on hostfs goes through a temporary name" },
  link: { handler: fs.sysLink },
  linkat: { handler: fs.sysLinkat },
  symlink: { handler: fs.sysSymlink },
  symlinkat: { handler: fs.sysSymlinkat },
  chmod: { handler: fs.sysChmod },
  fchmod: { handler: fs.sysFchmod },
  fchmodat: { handler: fs.sysFchmodat },
  fchmodat2: { handler: fs.sysFchmodat2 },
  chown: { handler: fs.sysChown },
  fchown: { handler: fs.sysFchown },
  lchown: { handler: fs.sysLchown },
  fchownat: { handler: fs.sysFchownat },
  utimensat: { handler: fs.sysUtimensat, status: "partial", note: "hostfs keeps microseconds (the host API takes seconds as doubles)" },
  utimes: { handler: fs.sysUtimes },
  futimesat: { handler: fs.sysFutimesat },
  utime: { handler: fs.sysUtime },
  truncate: { handler: fs.sysTruncate },
  ftruncate: { handler: fs.sysFtruncate },
  fallocate: { handler: fs.sysFallocate, status: "partial", note: "mode 0 only; other modes give EOPNOTSUPP" },
  access: { handler: fs.sysAccess },
  faccessat: { handler: fs.sysFaccessat },
  faccessat2: { handler: fs.sysFaccessat2 },
  statfs: { handler: fs.sysStatfs },
  fstatfs: { handler: fs.sysFstatfs },
  sync: { handler: fs.sysSync },
  syncfs: { handler: fs.sysSyncfs },
  fsync: { handler: fs.sysFsync },
  fdatasync: { handler: fs.sysFsync },
  sync_file_range: { handler: fs.sysSyncFileRange },
  getxattr: { handler: fs.sysGetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  lgetxattr: { handler: fs.sysLgetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  fgetxattr: { handler: fs.sysFgetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  listxattr: { handler: fs.sysListxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  llistxattr: { handler: fs.sysLlistxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  flistxattr: { handler: fs.sysFlistxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  setxattr: { handler: fs.sysSetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  lsetxattr: { handler: fs.sysLsetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  fsetxattr: { handler: fs.sysFsetxattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  removexattr: { handler: fs.sysRemovexattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  lremovexattr: { handler: fs.sysLremovexattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  fremovexattr: { handler: fs.sysFremovexattr, status: "partial", note: "no filesystem stores extended attributes: get/remove give ENODATA, list is empty, set gives EOPNOTSUPP" },
  fadvise64: { handler: fs.sysFadvise64, status: "partial", note: "advice is validated and otherwise ignored" },
  poll: { handler: poll.sysPoll },
  ppoll: { handler: poll.sysPpoll },
  select: { handler: poll.sysSelect },
  pselect6: { handler: poll.sysPselect6 },
  epoll_create: { handler: poll.sysEpollCreate },
  epoll_create1: { handler: poll.sysEpollCreate1 },
  epoll_ctl: { handler: poll.sysEpollCtl, status: "partial", note: "EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and ignored" },
  epoll_wait: { handler: poll.sysEpollWait },
  epoll_pwait: { handler: poll.sysEpollPwait },
  epoll_pwait2: { handler: poll.sysEpollPwait2 },
  eventfd: { handler: poll.sysEventfd },
  eventfd2: { handler: poll.sysEventfd2 },
  inotify_init: { handler: inotify.sysInotifyInit, status: "partial", note: "changes made through wasl's VFS give events at once; another host process's changes to a watched host file are polled (IN_MODIFY/IN_ATTRIB within 0.5 s), to a host directory's entries not seen; IN_DELETE_SELF comes with the last name's removal, not the last close; IN_EXCL_UNLINK is accepted and ignored; no IN_UNMOUNT" },
  inotify_init1: { handler: inotify.sysInotifyInit1, status: "partial", note: "changes made through wasl's VFS give events at once; another host process's changes to a watched host file are polled (IN_MODIFY/IN_ATTRIB within 0.5 s), to a host directory's entries not seen; IN_DELETE_SELF comes with the last name's removal, not the last close; IN_EXCL_UNLINK is accepted and ignored; no IN_UNMOUNT" },
  inotify_add_watch: { handler: inotify.sysInotifyAddWatch, status: "partial", note: "changes made through wasl's VFS give events at once; another host process's changes to a watched host file are polled (IN_MODIFY/IN_ATTRIB within 0.5 s), to a host directory's entries not seen; IN_DELETE_SELF comes with the last name's removal, not the last close; IN_EXCL_UNLINK is accepted and ignored; no IN_UNMOUNT" },
  inotify_rm_watch: { handler: inotify.sysInotifyRmWatch },
  prctl: { handler: proc.sysPrctl, status: "partial", note: "name, child subreaper, pdeath signal, dumpable, keepcaps, no_new_privs, THP, timer slack, capability bounding set, ambient (none raised), MCE, securebits and seccomp mode (read); per process, not per thread; PDEATHSIG comes when the parent process exits (Linux: the parent thread); PR_SET_SECCOMP, Yama ptracer and VMA names are EINVAL as on a kernel without them" },
  fcntl: { handler: io.sysFcntl, status: "partial", note: "DUPFD(_CLOEXEC), GETFD/SETFD, GETFL/SETFL, GETLK/SETLK/SETLKW (no deadlock detection), GET/SETPIPE_SZ, ADD_SEALS/GET_SEALS (tmpfs and memfd files); F_SETOWN is accepted and ignored; no OFD locks, leases or F_NOTIFY" },
  flock: { handler: io.sysFlock },
  brk: { handler: mm.sysBrk },
  mmap: { handler: mm.sysMmap, status: "partial", note: "file pages are read in at mmap time; every MAP_SHARED mapping of a file (in any process) maps the same frames, which go back to the file at msync/munmap/exit, and read(2)/write(2)/truncate on the file go through those frames meanwhile (one page cache); MAP_SHARED memory is shared across fork; pages wholly past end of file raise SIGBUS (BUS_ADRERR)" },
  munmap: { handler: mm.sysMunmap },
  mprotect: { handler: mm.sysMprotect },
  pkey_alloc: { handler: mm.sysPkeyAlloc, status: "partial", note: "the CPU has no protection keys (no PKU in CPUID): EINVAL, as x86 Linux on such a CPU" },
  pkey_free: { handler: mm.sysPkeyFree, status: "partial", note: "no key is ever allocated (EINVAL)" },
  pkey_mprotect: { handler: mm.sysPkeyMprotect, status: "partial", note: "key -1 is mprotect; other keys are not allocated (EINVAL)" },
  madvise: { handler: mm.sysMadvise, status: "partial", note: "DONTNEED zeroes private pages; other advice is accepted and ignored" },
  mremap: { handler: mm.sysMremap, status: "partial", note: "shrink, grow, MAYMOVE, FIXED, DONTUNMAP; old_len 0 (duplicating a shared mapping) gives EINVAL" },
  msync: { handler: mm.sysMsync },
  mincore: { handler: mm.sysMincore },
  mlock: { handler: mm.sysMlock, status: "partial", note: "memory is never swapped; RLIMIT_MEMLOCK is checked per call, locked ranges are not summed" },
  mlock2: { handler: mm.sysMlock2, status: "partial", note: "as mlock" },
  munlock: { handler: mm.sysMunlock },
  mlockall: { handler: mm.sysMlockall },
  munlockall: { handler: mm.sysMunlockall },
  shmget: { handler: ipc.sysShmget, status: "partial", note: "a segment's pages are all allocated at its first attach (Linux allocates on touch; /proc/sysvipc/shm's rss counts them all); no SHM_HUGETLB (ENOMEM, as with no huge pages reserved)" },
  shmat: { handler: ipc.sysShmat },
  shmdt: { handler: ipc.sysShmdt },
  shmctl: { handler: ipc.sysShmctl, status: "partial", note: "SHM_LOCK/SHM_UNLOCK only set the flag (memory is never swapped)" },
  semget: { handler: ipc.sysSemget },
  semop: { handler: ipc.sysSemop, status: "partial", note: "SEM_UNDO adjustments belong to the process (threads share them); CLONE_SYSVSEM between processes does not share them" },
  semtimedop: { handler: ipc.sysSemtimedop, status: "partial", note: "as semop" },
  semctl: { handler: ipc.sysSemctl },
  msgget: { handler: ipc.sysMsgget },
  msgsnd: { handler: ipc.sysMsgsnd },
  msgrcv: { handler: ipc.sysMsgrcv },
  msgctl: { handler: ipc.sysMsgctl },
  exit: { handler: proc.sysExit },
  fork: { handler: proc.sysFork },
  vfork: { handler: proc.sysVfork },
  clone: { handler: proc.sysClone, status: "partial", note: "no namespaces (CLONE_NEW*: EINVAL); CLONE_PIDFD for processes, not for threads (EINVAL, as before Linux 6.9)" },
  unshare: { handler: proc.sysUnshare, status: "partial", note: "CLONE_FILES and CLONE_FS; new namespaces EPERM (as in a container without CAP_SYS_ADMIN)" },
  setns: { handler: proc.sysSetns, status: "partial", note: "EPERM: no namespaces to join" },
  clone3: { handler: proc.sysClone3, status: "partial", note: "no set_tid, cgroups or CLONE_CLEAR_SIGHAND (EINVAL)" },
  execve: { handler: proc.sysExecve },
  execveat: { handler: proc.sysExecveat },
  wait4: { handler: proc.sysWait4, status: "partial", note: "rusage is zero" },
  waitid: { handler: proc.sysWaitid, status: "partial", note: "rusage is zero" },
  pidfd_open: { handler: pidfd.sysPidfdOpen, status: "partial", note: "no PIDFD_THREAD (EINVAL); fdinfo has no Pid: line" },
  pidfd_send_signal: { handler: pidfd.sysPidfdSendSignal },
  pidfd_getfd: { handler: pidfd.sysPidfdGetfd },
  setpgid: { handler: proc.sysSetpgid },
  getpgid: { handler: proc.sysGetpgid },
  setsid: { handler: proc.sysSetsid },
  getsid: { handler: proc.sysGetsid },
  setuid: { handler: proc.sysSetuid },
  setgid: { handler: proc.sysSetgid },
  setreuid: { handler: proc.sysSetreuid },
  setregid: { handler: proc.sysSetregid },
  setresuid: { handler: proc.sysSetresuid },
  setresgid: { handler: proc.sysSetresgid },
  setfsuid: { handler: proc.sysSetfsuid },
  setfsgid: { handler: proc.sysSetfsgid },
  setgroups: { handler: proc.sysSetgroups },
  futex: { handler: futex.sysFutex, status: "partial", note: "WAIT, WAKE, WAIT/WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP; no PI futexes (ENOSYS)" },
  sched_setaffinity: { handler: proc.sysSchedSetaffinity, status: "partial", note: "accepted when the mask names a host CPU; every thread runs on the one JS thread" },
  sched_getscheduler: { handler: proc.sysSchedGetscheduler },
  sched_setscheduler: { handler: proc.sysSchedSetscheduler, status: "partial", note: "recorded; the scheduler is round robin for every policy" },
  sched_getparam: { handler: proc.sysSchedGetparam },
  sched_getattr: { handler: proc.sysSchedGetattr, status: "partial", note: "policy, nice and priority; runtime, deadline, period and the utilisation clamps read 0" },
  sched_setparam: { handler: proc.sysSchedSetparam, status: "partial", note: "recorded; the scheduler is round robin for every policy" },
  sched_get_priority_max: { handler: proc.sysSchedGetPriorityMax },
  sched_get_priority_min: { handler: proc.sysSchedGetPriorityMin },
  getcpu: { handler: proc.sysGetcpu, status: "partial", note: "always CPU 0, node 0" },
  membarrier: { handler: sched.sysMembarrier, note: "every guest thread runs on one host thread, so each barrier holds on return" },
  getpriority: { handler: sched.sysGetpriority },
  ioprio_set: { handler: sched.sysIoprioSet, status: "partial", note: "priorities are kept and reported (ionice); I/O is not scheduled by them" },
  ioprio_get: { handler: sched.sysIoprioGet },
  setpriority: { handler: sched.sysSetpriority, status: "partial", note: "nice values are kept and reported; the scheduler does not weigh them" },
  capget: { handler: sched.sysCapget, status: "partial", note: "root holds every capability, other users none (no file capabilities)" },
  capset: { handler: sched.sysCapset, status: "partial", note: "only calls that change nothing succeed: permission checks follow user ids, so capabilities cannot be dropped one by one (EPERM)" },
  exit_group: { handler: proc.sysExitGroup },
  // getpid and gettid are also answered inside the core without leaving Wasm (asm/system.ts), except with --trace.
  getpid: { handler: proc.sysGetpid },
  gettid: { handler: proc.sysGettid },
  getppid: { handler: proc.sysGetppid },
  getuid: { handler: proc.sysGetuid },
  geteuid: { handler: proc.sysGeteuid },
  getgid: { handler: proc.sysGetgid },
  getegid: { handler: proc.sysGetegid },
  getpgrp: { handler: proc.sysGetpgrp },
  getgroups: { handler: proc.sysGetgroups },
  getresuid: { handler: proc.sysGetresuid },
  getresgid: { handler: proc.sysGetresgid },
  arch_prctl: { handler: proc.sysArchPrctl },
  set_tid_address: { handler: proc.sysSetTidAddress },
  set_robust_list: { handler: proc.sysSetRobustList },
  get_robust_list: { handler: proc.sysGetRobustList },
  prlimit64: { handler: proc.sysPrlimit64, status: "partial", note: "RLIMIT_NPROC (fork/clone), RLIMIT_NOFILE and RLIMIT_STACK (stack growth) are enforced; the others are recorded" },
  getrlimit: { handler: proc.sysGetrlimit },
  setrlimit: { handler: proc.sysSetrlimit, status: "partial", note: "RLIMIT_NPROC (fork/clone), RLIMIT_NOFILE and RLIMIT_STACK (stack growth) are enforced; the others are recorded" },
  sched_getaffinity: { handler: proc.sysSchedGetaffinity },
  sched_yield: { handler: proc.sysSchedYield },
  rt_sigaction: { handler: sig.sysRtSigaction },
  rt_sigprocmask: { handler: sig.sysRtSigprocmask },
  rt_sigpending: { handler: sig.sysRtSigpending },
  rt_sigreturn: { handler: sig.sysRtSigreturn, status: "partial", note: "FXSAVE-format FP state only (no XSAVE, as CPUID reports)" },
  rt_sigsuspend: { handler: sig.sysRtSigsuspend },
  rt_sigtimedwait: { handler: sig.sysRtSigtimedwait },
  rt_sigqueueinfo: { handler: sig.sysRtSigqueueinfo },
  rt_tgsigqueueinfo: { handler: sig.sysRtTgsigqueueinfo },
  sigaltstack: { handler: sig.sysSigaltstack },
  pause: { handler: sig.sysPause },
  kill: { handler: sig.sysKill },
  tgkill: { handler: sig.sysTgkill },
  tkill: { handler: sig.sysTkill },
  uname: { handler: misc.sysUname },
  sethostname: { handler: misc.sysSethostname },
  setdomainname: { handler: misc.sysSetdomainname },
  personality: { handler: misc.sysPersonality, status: "partial", note: "the persona is recorded and inherited; it changes nothing (no address randomisation, x86-64 ABI only)" },
  getrandom: { handler: misc.sysGetrandom },
  clock_gettime: { handler: time.sysClockGettime, status: "partial", note: "CPU-time clocks count retired instructions at 1 ns each" },
  clock_getres: { handler: time.sysClockGetres },
  gettimeofday: { handler: time.sysGettimeofday },
  time: { handler: time.sysTime },
  nanosleep: { handler: time.sysNanosleep },
  clock_nanosleep: { handler: time.sysClockNanosleep },
  times: { handler: time.sysTimes, status: "partial", note: "user time from retired instructions; system time is 0" },
  getrusage: { handler: time.sysGetrusage, status: "partial", note: "user time from retired instructions; maxrss is the machine's frames; other fields 0" },
  alarm: { handler: time.sysAlarm },
  getitimer: { handler: time.sysGetitimer },
  setitimer: { handler: time.sysSetitimer, status: "partial", note: "ITIMER_VIRTUAL/PROF expire at time-slice granularity" },
  timer_create: { handler: time.sysTimerCreate, status: "partial", note: "CPU-clock timers expire at time-slice granularity" },
  timer_settime: { handler: time.sysTimerSettime },
  timer_gettime: { handler: time.sysTimerGettime },
  timer_getoverrun: { handler: time.sysTimerGetoverrun },
  timer_delete: { handler: time.sysTimerDelete },
  timerfd_create: { handler: time.sysTimerfdCreate },
  timerfd_settime: { handler: time.sysTimerfdSettime, status: "partial", note: "TFD_TIMER_CANCEL_ON_SET is accepted but the realtime clock is never set" },
  timerfd_gettime: { handler: time.sysTimerfdGettime },
  signalfd: { handler: sig.sysSignalfd, status: "partial", note: "reads dequeue for the creating thread" },
  signalfd4: { handler: sig.sysSignalfd4, status: "partial", note: "reads dequeue for the creating thread" },
  sysinfo: { handler: misc.sysSysinfo, status: "partial", note: "no load averages or swap" },
  socket: { handler: sock.sysSocket, status: "partial", note: NET },
  socketpair: { handler: sock.sysSocketpair, status: "partial", note: NET },
  bind: { handler: sock.sysBind, status: "partial", note: "on a host folder an AF_UNIX socket node is an empty host file the guest sees as a socket; inet: loopback and wildcard addresses only (else EADDRNOTAVAIL)" },
  listen: { handler: sock.sysListen },
  accept: { handler: sock.sysAccept },
  accept4: { handler: sock.sysAccept4 },
  connect: { handler: sock.sysConnect, status: "partial", note: "inet: loopback destinations only (else ENETUNREACH); a nonblocking TCP connect to a full backlog fails with EAGAIN instead of retrying the SYN" },
  shutdown: { handler: sock.sysShutdown },
  getsockname: { handler: sock.sysGetsockname },
  getpeername: { handler: sock.sysGetpeername },
  sendto: { handler: sock.sysSendto, status: "partial", note: "no MSG_OOB (EOPNOTSUPP, as AF_UNIX); MSG_EOR/MSG_MORE accepted and ignored" },
  recvfrom: { handler: sock.sysRecvfrom, status: "partial", note: "no MSG_OOB (EOPNOTSUPP, as AF_UNIX); MSG_WAITALL on streams only" },
  sendmsg: { handler: sock.sysSendmsg, status: "partial", note: "SCM_RIGHTS and SCM_CREDENTIALS; descriptors in flight on a socket that is itself in flight are not garbage-collected" },
  recvmsg: { handler: sock.sysRecvmsg, status: "partial", note: "SCM_RIGHTS and SCM_CREDENTIALS; no SCM_SECURITY, no MSG_ERRQUEUE" },
  sendmmsg: { handler: sock.sysSendmmsg },
  recvmmsg: { handler: sock.sysRecvmmsg, status: "partial", note: "a timeout is refused (EINVAL)" },
  getsockopt: { handler: sock.sysGetsockopt, status: "partial", note: "SOL_SOCKET; on inet sockets the TCP options of tcp(7) (keepalive, cork, syncnt, linger2, defer-accept, user timeout, fastopen, congestion \"reno\"/\"cubic\"…) and IP_TTL/TOS/MTU_DISCOVER/RECVERR, IPV6_V6ONLY/UNICAST_HOPS/TCLASS/RECVERR; no TCP_INFO, IP_PKTINFO, IP_RECVTTL, multicast membership (ENOPROTOOPT); no SO_PEERSEC/SO_PEERGROUPS/SO_PEEK_OFF" },
  setsockopt: { handler: sock.sysSetsockopt, status: "partial", note: "as getsockopt; options with no meaning on a loopback without a wire (SO_KEEPALIVE, SO_LINGER, TCP_KEEPIDLE, IP_TTL…) are validated as Linux does and read back, and change nothing else; SO_RCVLOWAT is accepted and not honoured" },
};

/** Why some calls are not provided, beyond "not implemented yet". */
const ENOSYS_NOTES: Record<string, string> = {
  uselib: "removed from Linux", create_module: "removed from Linux", get_kernel_syms: "removed from Linux",
  query_module: "removed from Linux", nfsservctl: "removed from Linux", getpmsg: "never implemented by Linux",
  putpmsg: "never implemented by Linux", afs_syscall: "never implemented by Linux", tuxcall: "never implemented by Linux",
  security: "never implemented by Linux", vserver: "never implemented by Linux", epoll_ctl_old: "never implemented by Linux",
  epoll_wait_old: "never implemented by Linux", _sysctl: "removed from Linux", set_thread_area: "32-bit TLS; x86-64 uses arch_prctl",
  get_thread_area: "32-bit TLS; x86-64 uses arch_prctl", init_module: "no kernel modules", finit_module: "no kernel modules",
  delete_module: "no kernel modules", kexec_load: "no kexec", kexec_file_load: "no kexec", reboot: "the guest cannot reboot the host",
  iopl: "no port I/O", ioperm: "no port I/O", bpf: "no eBPF", perf_event_open: "no performance counters",
  modify_ldt: "no LDT: 64-bit code does not need it",
};

/**
 * Calls a Linux kernel may be built or configured without, which programs probe and do without:
 * ENOSYS is then the answer such a Linux gives, so it is given without the one-time
 * "unimplemented" line on stderr (that line is for calls a program expects to work).
 */
const OPTIONAL: Record<string, string> = {
  rseq: "restartable sequences are optional; glibc and musl run without them",
  keyctl: "no kernel key retention service (a kernel without CONFIG_KEYS); PAM and systemd carry on",
  add_key: "no kernel key retention service (CONFIG_KEYS)", request_key: "no kernel key retention service (CONFIG_KEYS)",
  io_uring_setup: "no io_uring (many kernels and container runtimes turn it off); callers fall back",
  io_uring_enter: "no io_uring", io_uring_register: "no io_uring",
  landlock_create_ruleset: "no Landlock LSM; callers treat ENOSYS as \"not available\"",
  landlock_add_rule: "no Landlock LSM", landlock_restrict_self: "no Landlock LSM",
  memfd_secret: "no secret memory (off unless the kernel is booted with it)",
  userfaultfd: "no userfaultfd (CONFIG_USERFAULTFD)",
  fanotify_init: "no fanotify (a kernel without CONFIG_FANOTIFY); Go's and Rust's file watchers fall back to inotify",
  fanotify_mark: "no fanotify (CONFIG_FANOTIFY)",
  get_mempolicy: "no NUMA memory policies (a kernel without CONFIG_NUMA); libnuma's numa_available() reads ENOSYS as one node",
  set_mempolicy: "no NUMA memory policies (CONFIG_NUMA)", mbind: "no NUMA memory policies (CONFIG_NUMA)",
  migrate_pages: "no NUMA memory policies (CONFIG_NUMA)", move_pages: "no NUMA memory policies (CONFIG_NUMA)",
  set_mempolicy_home_node: "no NUMA memory policies (CONFIG_NUMA)",
};
const quietEnosys = (): number => -ENOSYS;

function build(): SyscallEntry[] {
  const table: SyscallEntry[] = [];
  for (const line of NUMBERS.trim().split("\n")) {
    const [nrText, name, argText] = line.split(" ");
    const nr = Number(nrText);
    const args = argText === "-" ? [] : (argText.split(",") as ArgKind[]);
    const impl = IMPL[name];
    table[nr] = impl
      ? { nr, name, args, handler: impl.handler, status: impl.status ?? "full", note: impl.note }
      : name in OPTIONAL ? { nr, name, args, handler: quietEnosys, status: "enosys", note: OPTIONAL[name] }
      : { nr, name, args, handler: null, status: "enosys", note: ENOSYS_NOTES[name] ?? "not implemented yet" };
  }
  return table;
}

/** Indexed by number; holes (337–423) are undefined. */
export const SYSCALLS: ReadonlyArray<SyscallEntry | undefined> = build();

/** The entry for a name, for tests and tools. */
export function syscallByName(name: string): SyscallEntry | undefined { return SYSCALLS.find((e) => e?.name === name); }

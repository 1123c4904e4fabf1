// AF_UNIX sockets as Linux's net/unix/af_unix.c defines them: stream, datagram and seqpacket
// sockets, connected in pairs, through a listening socket's backlog, or (datagram) by address.
// Like pipe.ts nothing here blocks: an operation that must wait returns WOULD_BLOCK and the
// syscall layer (syscalls/socket.ts) parks the thread on the socket's wait queue and retries.
import { EINVAL, ENOTCONN, EPIPE, EMSGSIZE, ECONNREFUSED, ECONNRESET, EPERM } from "../errno.js";
import { S_IFDIR, S_IFSOCK, O_RDWR, POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDNORM, POLLWRNORM, type Stat, type StatFs } from "./abi.js";
import { Inode, PseudoSuperblock, type Superblock } from "./inode.js";
import { Dentry, Mount } from "./mount.js";
import { OpenFile } from "./file.js";
import { WaitQueue, WOULD_BLOCK, type Pollable } from "./pipe.js";

export const AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16;
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;
export const POLLRDHUP = 0x2000, POLLWRBAND = 0x200;
const SOCKFS_MAGIC = 0x534f434b;

/** net.core.wmem_default / rmem_default: every socket's buffers start at this size. */
export const DEFAULT_BUF = 212992;
/** net.unix.max_dgram_qlen: queued datagrams from senders the receiver is not connected to. */
export const MAX_DGRAM_QLEN = 10;
/**
 * What each queued message costs the sender's buffer beyond its bytes (an skb's truesize is
 * larger than its payload), so that even empty datagrams eventually fill it. Approximate.
 */
const MSG_OVERHEAD = 512;

/** Who sent a message or made a connection (struct ucred). */
export interface Ucred { pid: number; uid: number; gid: number }

/** One send's worth of queued data, with what travelled with it. */
export interface UnixMessage {
  data: Uint8Array;
  /** Bytes already read (stream sockets read messages piecemeal). */
  off: number;
  /** SCM_RIGHTS: open files in flight (each holds one reference until delivered or dropped). */
  files: OpenFile[] | null;
  /** The sender's credentials (delivered as SCM_CREDENTIALS to SO_PASSCRED receivers). */
  cred: Ucred | null;
  /** The sender's bound address at send time (recvfrom's address), or null when unbound. */
  from: Uint8Array | null;
  /** The sending socket, whose buffer this message is charged to. */
  sender: UnixSocket;
  charge: number;
}

/** Drops a file reference taken for a message in flight. */
export function dropInFlight(f: OpenFile): void { if (--f.refs === 0) f.release(); }

let autobindCounter = 0;

/** The key of a socket option in UnixSocket.kept. */
export const optionKey = (level: number, name: number): number => level * 0x10000 + name;

/**
 * One AF_UNIX socket. Addresses are kept as the bytes of sockaddr_un (family included), the way
 * getsockname returns them; a socket is reachable by name through UnixNamespace.
 */
export class UnixSocket implements Pollable {
  readonly waitQueue = new WaitQueue();
  state: "unconnected" | "listening" | "connected" = "unconnected";
  peer: UnixSocket | null = null;
  addr: Uint8Array | null = null;
  /** getpeername's answer when it is not the peer's own name (inet: the address connected to). */
  peerName: Uint8Array | null = null;
  /** Undoes the binding (forgets the name) at close. */
  unbind: (() => void) | null = null;
  readonly queue: UnixMessage[] = [];
  /** Connections made to a listening socket, not yet accepted: the server-side sockets. */
  readonly backlog: UnixSocket[] = [];
  maxBacklog = 0;
  shutdown = 0;
  /** Pending SO_ERROR (ECONNRESET when the peer closed with data unread). */
  err = 0;
  sndbuf = DEFAULT_BUF;
  rcvbuf = DEFAULT_BUF;
  passcred = false;
  reuseaddr = false;
  /**
   * Options that change nothing in a machine without a wire but must read back what was set
   * (SO_KEEPALIVE, TCP_KEEPIDLE, IP_TTL…), by optionKey(level, name); absent means Linux's default.
   */
  kept = new Map<number, number>();
  /** SO_RCVTIMEO / SO_SNDTIMEO in ms; 0 is "forever". */
  rcvtimeoMs = 0;
  sndtimeoMs = 0;
  /** SO_PEERCRED: the peer's credentials at connect (or listen, from the client's side). */
  peerCred: Ucred | null = null;
  /** The credentials recorded at listen(2), given to clients as their SO_PEERCRED. */
  listenCred: Ucred | null = null;
  /** Bytes (with overhead) this socket sent that wait unread in some receive queue (sk_wmem_alloc). */
  inflight = 0;
  dead = false;
  /** Sockets waiting for room in this socket's datagram queue. */
  protected spaceWaiters = new Set<UnixSocket>();

  constructor(readonly type: number) {}

  get connectionOriented(): boolean { return this.type !== SOCK_DGRAM; }

  /** Gives this socket an autobind name "\0xxxxx" (5 hex digits) as Linux does; the name is returned. */
  static autobindName(): Uint8Array {
    const name = (++autobindCounter & 0xfffff).toString(16).padStart(5, "0");
    const b = new Uint8Array(8);
    b[0] = 1; // AF_UNIX (little endian)
    for (let i = 0; i < 5; i++) b[3 + i] = name.charCodeAt(i);
    return b;
  }

  /** Links a and b as connected peers (socketpair, and connect's client with its server side). */
  static pair(a: UnixSocket, b: UnixSocket, ca: Ucred, cb: Ucred): void {
    a.peer = b; b.peer = a;
    a.state = b.state = "connected";
    a.peerCred = cb; b.peerCred = ca;
  }

  // ---- sending ----

  protected charge(len: number): number { return len + MSG_OVERHEAD; }
  /** The address a receiver sees a message come from (recvfrom's). */
  protected sourceAddr(): Uint8Array | null { return this.addr; }
  /** How many bytes may wait unread before a send must wait. */
  protected sendCapacity(): number { return this.sndbuf; }
  /** What the peer's shutdown becomes when this socket shuts mode (both directions cross over). */
  protected peerShutMode(mode: number): number {
    let peerMode = 0;
    if (mode & RCV_SHUTDOWN) peerMode |= SEND_SHUTDOWN;
    if (mode & SEND_SHUTDOWN) peerMode |= RCV_SHUTDOWN;
    return peerMode;
  }
  /** The connected peer learns this socket closed (hadUnread: with data it never read). */
  protected tellPeerClosed(other: UnixSocket, hadUnread: boolean): void {
    other.shutdown = SHUTDOWN_MASK;
    if (hadUnread) other.err = ECONNRESET;
  }

  protected enqueue(to: UnixSocket, data: Uint8Array, files: OpenFile[] | null, cred: Ucred | null): void {
    const charge = this.charge(data.length);
    to.queue.push({ data, off: 0, files, cred, from: this.sourceAddr(), sender: this, charge });
    this.inflight += charge;
    to.waitQueue.notify();
  }

  /**
   * Stream send of (a prefix of) data: the bytes queued, WOULD_BLOCK when the send buffer is full,
   * -EPIPE once either side has shut the direction down. files go with the first bytes.
   */
  sendStream(data: Uint8Array, files: OpenFile[] | null, cred: Ucred | null): number {
    if (this.state !== "connected") return -ENOTCONN;
    const other = this.peer!;
    if ((this.shutdown & SEND_SHUTDOWN) || other.dead || (other.shutdown & RCV_SHUTDOWN)) return -EPIPE;
    if (data.length === 0) return 0;
    const room = this.sendCapacity() - this.inflight;
    if (room <= 0) return WOULD_BLOCK;
    const n = Math.min(data.length, room);
    this.enqueue(other, data.slice(0, n), files, cred);
    return n;
  }

  /**
   * One datagram or seqpacket record to target (null: the connected peer): data.length, or
   * WOULD_BLOCK, or an error (EMSGSIZE, ENOTCONN, EPIPE, ECONNREFUSED, EPERM).
   */
  sendRecord(data: Uint8Array, files: OpenFile[] | null, cred: Ucred | null, target: UnixSocket | null): number {
    if (data.length > this.sndbuf - 32) return -EMSGSIZE;
    if (this.type === SOCK_SEQPACKET) {
      if (this.state !== "connected") return -ENOTCONN;
      target = null;
    }
    if (this.shutdown & SEND_SHUTDOWN) return -EPIPE;
    const other = target ?? this.peer;
    if (!other) return -ENOTCONN;
    if (other.dead) {
      if (this.type === SOCK_SEQPACKET) return -EPIPE;
      // A datagram socket whose peer went away is disconnected by the failed send.
      if (this.peer === other) { this.peer = null; this.state = "unconnected"; }
      return -ECONNREFUSED;
    }
    if (this.type === SOCK_DGRAM && other.peer && other.peer !== this) return -EPERM;
    if (other.shutdown & RCV_SHUTDOWN) return -EPIPE;
    if (this.inflight >= this.sndbuf) return WOULD_BLOCK;
    if (this.type === SOCK_DGRAM && other.peer !== this && other.queue.length > MAX_DGRAM_QLEN) {
      other.spaceWaiters.add(this);
      return WOULD_BLOCK;
    }
    this.enqueue(other, data.slice(), files, cred);
    return data.length;
  }

  // ---- receiving ----

  /** Takes n bytes' worth of message m off the front of the queue (or all of it). */
  private consume(m: UnixMessage, n: number): void {
    m.off += n;
    if (m.off < m.data.length && this.type === SOCK_STREAM) return;
    this.queue.shift();
    m.sender.inflight -= m.charge;
    m.sender.waitQueue.notify();
    if (this.spaceWaiters.size) {
      const ws = [...this.spaceWaiters];
      this.spaceWaiters.clear();
      for (const w of ws) w.waitQueue.notify();
    }
    this.waitQueue.notify();
  }

  /** Error or end-of-file answer for a read finding the queue empty; WOULD_BLOCK if it must wait. */
  private emptyAnswer(): number {
    if (this.err) { const e = this.err; this.err = 0; return -e; }
    if (this.shutdown & RCV_SHUTDOWN) return 0;
    return WOULD_BLOCK;
  }

  /**
   * Stream receive into out: bytes from consecutive messages, stopping after one that carried
   * files and, when credentials are passed, before a message from other credentials (Linux never
   * glues writes of different senders then). Returns the count, 0 at EOF, WOULD_BLOCK, or -errno;
   * the files and credentials of what was read go to got.
   */
  recvStream(out: Uint8Array, peek: boolean, got: Received): number {
    if (this.state !== "connected") return -EINVAL;
    if (this.queue.length === 0) return this.emptyAnswer();
    let n = 0;
    let i = 0;
    while (i < this.queue.length && n < out.length) {
      const m = this.queue[i];
      if (n > 0 && this.passcred && !sameCred(m.cred, got.cred)) break;
      if (n === 0) { got.cred = m.cred; got.from = m.from; }
      const take = Math.min(m.data.length - m.off, out.length - n);
      out.set(m.data.subarray(m.off, m.off + take), n);
      n += take;
      const files = m.files;
      if (files) {
        got.files = files;
        if (!peek) m.files = null;
      }
      if (!peek) this.consume(m, take); else i++;
      if (files) break;
    }
    return n;
  }

  /**
   * One record into out (the rest of a longer one is dropped unless peeking): the record's length
   * (the caller reports MSG_TRUNC when it exceeds out), 0 at EOF, WOULD_BLOCK, or -errno.
   */
  recvRecord(out: Uint8Array, peek: boolean, got: Received): number {
    if (this.type === SOCK_SEQPACKET && this.state !== "connected") return -ENOTCONN;
    if (this.queue.length === 0) return this.emptyAnswer();
    const m = this.queue[0];
    out.set(m.data.subarray(0, Math.min(out.length, m.data.length)));
    got.cred = m.cred; got.from = m.from; got.files = m.files;
    if (!peek) { m.files = null; this.consume(m, m.data.length); }
    return m.data.length;
  }

  /** SIOCINQ: bytes unread (a datagram socket: the next datagram's size); -EINVAL when listening. */
  inq(): number {
    if (this.state === "listening") return -EINVAL;
    if (this.type === SOCK_DGRAM) return this.queue.length ? this.queue[0].data.length : 0;
    return this.queue.reduce((n, m) => n + m.data.length - m.off, 0);
  }

  // ---- connection management ----

  /** shutdown(2): how is SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2). */
  shut(how: number): number {
    if (how < 0 || how > 2) return -EINVAL;
    const mode = how + 1; // SHUT_RD → RCV_SHUTDOWN, SHUT_WR → SEND_SHUTDOWN, SHUT_RDWR → both
    this.shutdown |= mode;
    this.waitQueue.notify();
    const other = this.peer;
    if (other && this.connectionOriented) {
      other.shutdown |= this.peerShutMode(mode);
      other.waitQueue.notify();
    }
    return 0;
  }

  /** The last reference is gone (unix_release_sock). */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.unbind?.();
    this.unbind = null;
    const other = this.peer;
    if (other && this.connectionOriented) {
      this.tellPeerClosed(other, this.queue.length > 0);
      other.waitQueue.notify();
    }
    // Connections nobody accepted are reset: their clients see ECONNRESET.
    for (const embryo of this.backlog.splice(0)) {
      const client = embryo.peer;
      embryo.dead = true;
      if (client) { client.shutdown = SHUTDOWN_MASK; client.err = ECONNRESET; client.waitQueue.notify(); }
      embryo.dropQueue();
    }
    this.dropQueue();
    this.shutdown = SHUTDOWN_MASK;
    for (const w of this.spaceWaiters) w.waitQueue.notify();
    this.spaceWaiters.clear();
    this.waitQueue.notify();
  }

  protected dropQueue(): void {
    for (const m of this.queue.splice(0)) {
      m.sender.inflight -= m.charge;
      m.sender.waitQueue.notify();
      if (m.files) for (const f of m.files) dropInFlight(f);
    }
  }

  // ---- readiness (unix_poll and unix_dgram_poll) ----

  protected get writable(): boolean { return this.state !== "listening" && this.inflight * 4 <= this.sendCapacity(); }

  poll(): number {
    let m = 0;
    if (this.err) m |= POLLERR;
    if (this.shutdown === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.shutdown & RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.queue.length || this.backlog.length) m |= POLLIN | POLLRDNORM;
    if (this.type === SOCK_STREAM) {
      if (this.state === "unconnected") m |= POLLHUP;
      if (this.writable) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
      return m;
    }
    if (this.type === SOCK_SEQPACKET && this.state === "unconnected") m |= POLLHUP;
    let writable = this.writable;
    const other = this.peer;
    if (writable && other && other.peer !== this && other.queue.length > MAX_DGRAM_QLEN) {
      other.spaceWaiters.add(this);
      writable = false;
    }
    if (writable) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
  }
}

/** What a receive took besides bytes. */
export interface Received { files: OpenFile[] | null; cred: Ucred | null; from: Uint8Array | null }

function sameCred(a: Ucred | null, b: Ucred | null): boolean {
  return a === b || (!!a && !!b && a.pid === b.pid && a.uid === b.uid && a.gid === b.gid);
}

/**
 * The names sockets are reachable by in one machine: filesystem sockets by their inode, abstract
 * ones by name. Linux hashes abstract names with the socket type, so each type has its own.
 */
export class UnixNamespace {
  private byInode = new WeakMap<Inode, UnixSocket>();
  private abstract = new Map<string, UnixSocket>();

  bindInode(inode: Inode, s: UnixSocket): void {
    this.byInode.set(inode, s);
    s.unbind = () => { if (this.byInode.get(inode) === s) this.byInode.delete(inode); };
  }
  atInode(inode: Inode): UnixSocket | undefined { return this.byInode.get(inode); }

  private key(type: number, name: Uint8Array): string { return `${type}:${Array.from(name).join(",")}`; }
  /** false when the abstract name is taken. */
  bindAbstract(type: number, name: Uint8Array, s: UnixSocket): boolean {
    const k = this.key(type, name);
    if (this.abstract.has(k)) return false;
    this.abstract.set(k, s);
    s.unbind = () => { if (this.abstract.get(k) === s) this.abstract.delete(k); };
    return true;
  }
  atAbstract(type: number, name: Uint8Array): UnixSocket | undefined { return this.abstract.get(this.key(type, name)); }
}

// ---- sockfs: the inodes socket descriptors refer to ----

class SockInode extends Inode {}

/** One machine's sockfs: makes the inode and the "socket:[ino]" name of each new socket. */
export class SockFs {
  private sb: PseudoSuperblock;
  private mount: Mount;
  readonly names = new UnixNamespace();
  constructor(clock: () => bigint) {
    this.sb = new PseudoSuperblock("sockfs", SOCKFS_MAGIC, clock, (sb) => new SockInode(sb, 1n, S_IFDIR | 0o555));
    this.mount = new Mount(this.sb, new Dentry("socket:", null, this.sb.root), null, null, 0, "sockfs");
  }
  /** A descriptor's open file for sock; flags may hold O_NONBLOCK. */
  file(sock: UnixSocket, flags: number, uid: number, gid: number): SocketFile {
    const inode = new SockInode(this.sb, this.sb.nextIno(), S_IFSOCK | 0o777);
    inode.uid = uid; inode.gid = gid;
    const path = { mnt: this.mount, dentry: new Dentry(`socket:[${inode.ino}]`, null, inode) };
    return new SocketFile(flags | O_RDWR, inode, path, sock);
  }
}

/**
 * A socket descriptor's open file description. read/write are recv/send without flags; the
 * syscall layer calls the socket directly for everything else.
 */
export class SocketFile extends OpenFile {
  constructor(flags: number, inode: Inode, path: { mnt: Mount; dentry: Dentry }, readonly sock: UnixSocket) {
    super(flags, inode, path);
  }
  get waitQueue(): WaitQueue { return this.sock.waitQueue; }
  protected get seekable(): boolean { return false; }
  read(buf: Uint8Array): number {
    const got: Received = { files: null, cred: null, from: null };
    const n = this.sock.type === SOCK_STREAM ? this.sock.recvStream(buf, false, got) : this.sock.recvRecord(buf, false, got);
    // read(2) has nowhere to put passed descriptors: they are closed, as Linux does.
    if (got.files) for (const f of got.files) dropInFlight(f);
    return n > buf.length ? buf.length : n;
  }
  write(data: Uint8Array): number {
    return this.sock.type === SOCK_STREAM ? this.sock.sendStream(data, null, null) : this.sock.sendRecord(data, null, null, null);
  }
  poll(): number { return this.sock.poll(); }
  stat(): Stat { const s = this.inode.stat(); s.size = 0n; return s; }
  release(): void { this.sock.close(); }
}

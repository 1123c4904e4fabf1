// AF_INET and AF_INET6 inside one machine, as a network namespace with only the loopback device:
// TCP and UDP between sockets of this machine over 127.0.0.0/8 and ::1 (IPv4 addresses also as
// v4-mapped IPv6 on dual-stack sockets); any other destination is unreachable (ENETUNREACH).
// The data path is the AF_UNIX one (socket.ts); what differs is TCP's close and shutdown (a FIN
// ends only the peer's reading, a write to a closed peer is answered by a reset), UDP's
// never-blocking, dropping delivery, and the port tables.
import { EPIPE, ECONNRESET, EMSGSIZE, EDESTADDRREQ, ECONNREFUSED, ENOTCONN } from "../errno.js";
import { POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDNORM, POLLWRNORM } from "./abi.js";
import type { OpenFile } from "./file.js";
import {
  UnixSocket, AF_INET, AF_INET6, SOCK_STREAM, RCV_SHUTDOWN, SEND_SHUTDOWN, SHUTDOWN_MASK, POLLRDHUP, POLLWRBAND,
  type Ucred, type Received,
} from "./socket.js";

export const IPPROTO_TCP = 6, IPPROTO_UDP = 17;
/** net.ipv4.tcp_wmem / tcp_rmem defaults. */
const TCP_SNDBUF = 16384, TCP_RCVBUF = 131072;
const EPHEMERAL_LOW = 32768, EPHEMERAL_HIGH = 60999;

/** An endpoint: the address as 16 bytes (IPv4 v4-mapped) and the port. */
export interface InetName { ip: Uint8Array; port: number }

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
export function isV4(ip: Uint8Array): boolean { return V4_PREFIX.every((b, i) => ip[i] === b); }
export function isAny(ip: Uint8Array): boolean { return isV4(ip) ? (ip[12] | ip[13] | ip[14] | ip[15]) === 0 : ip.every((b) => b === 0); }
export function isLoopback(ip: Uint8Array): boolean { return isV4(ip) ? ip[12] === 127 : ip.every((b, i) => b === (i === 15 ? 1 : 0)); }
export const V4_LOOPBACK = new Uint8Array([...V4_PREFIX, 127, 0, 0, 1]);
export const V6_LOOPBACK = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/** The wildcard address of a family, in the 16-byte form. */
export function anyFor(family: number): Uint8Array { return family === AF_INET ? new Uint8Array([...V4_PREFIX, 0, 0, 0, 0]) : new Uint8Array(16); }
export const sameIp = (a: Uint8Array, b: Uint8Array) => a.every((x, i) => x === b[i]);

/** sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes) for a name, as a socket of family shows it. */
export function formatInet(family: number, n: InetName): Uint8Array {
  if (family === AF_INET) {
    const b = new Uint8Array(16);
    b[0] = AF_INET; b[2] = n.port >> 8; b[3] = n.port & 0xff;
    b.set(n.ip.subarray(12), 4);
    return b;
  }
  const b = new Uint8Array(28);
  b[0] = AF_INET6; b[2] = n.port >> 8; b[3] = n.port & 0xff;
  b.set(n.ip, 8);
  return b;
}

/** The sockets bound to ports, per protocol: bind's conflicts, ephemeral ports, and delivery. */
export class PortTable {
  private ports = new Map<number, Set<InetSocket>>();
  private nextEphemeral = EPHEMERAL_LOW;

  private overlaps(a: InetSocket, ip: Uint8Array, family: number, v6only: boolean, b: InetSocket): boolean {
    const bip = b.local!.ip;
    const reach = (sockFamily: number, sockIp: Uint8Array, only: boolean, other: Uint8Array) => {
      if (isAny(sockIp)) return sockFamily === AF_INET ? isV4(other) : !(only && isV4(other));
      return sameIp(sockIp, other);
    };
    if (isAny(ip) && isAny(bip)) {
      // Two wildcards meet unless one is IPv4 and the other IPv6-only.
      if (family === AF_INET && b.family === AF_INET6) return !b.v6only;
      if (family === AF_INET6 && b.family === AF_INET) return !v6only;
      return true;
    }
    return reach(family, ip, v6only, bip) || reach(b.family, bip, b.v6only, ip);
  }

  /** Binds s to ip:port (port 0: an ephemeral one); false when the name is taken. */
  bind(s: InetSocket, ip: Uint8Array, port: number): boolean {
    if (port === 0) {
      for (let i = 0; i <= EPHEMERAL_HIGH - EPHEMERAL_LOW; i++) {
        const p = this.nextEphemeral;
        this.nextEphemeral = p >= EPHEMERAL_HIGH ? EPHEMERAL_LOW : p + 1;
        if (!this.ports.get(p)?.size) { port = p; break; }
      }
      if (port === 0) return false;
    }
    for (const b of this.ports.get(port) ?? []) {
      if (!this.overlaps(s, ip, s.family, s.v6only, b)) continue;
      if (s.reuseport && b.reuseport) continue;
      if (s.reuseaddr && b.reuseaddr && (s.type !== SOCK_STREAM || b.state !== "listening")) continue;
      return false;
    }
    let set = this.ports.get(port);
    if (!set) { set = new Set(); this.ports.set(port, set); }
    set.add(s);
    s.local = { ip, port };
    s.unbind = () => { set!.delete(s); if (!set!.size) this.ports.delete(port); };
    return true;
  }

  /** The socket a packet to ip:port reaches (a listener for TCP): an exact address first, then a wildcard. */
  find(ip: Uint8Array, port: number, want: (s: InetSocket) => boolean): InetSocket | undefined {
    let wild: InetSocket | undefined;
    for (const s of this.ports.get(port) ?? []) {
      if (s.dead || !want(s)) continue;
      const l = s.local!.ip;
      if (!isAny(l)) { if (sameIp(l, ip)) return s; continue; }
      if (s.family === AF_INET ? isV4(ip) : !(s.v6only && isV4(ip))) wild ??= s;
    }
    return wild;
  }
}

export class InetSocket extends UnixSocket {
  local: InetName | null = null;
  remote: InetName | null = null;
  v6only = false;
  reuseport = false;

  constructor(type: number, readonly family: number, readonly ports: PortTable) {
    super(type);
    if (type === SOCK_STREAM) { this.sndbuf = TCP_SNDBUF; this.rcvbuf = TCP_RCVBUF; }
  }

  get protocol(): number { return this.type === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP; }
  /** The local name as getsockname shows it (0.0.0.0:0 / [::]:0 when unbound). */
  get name(): Uint8Array { return formatInet(this.family, this.local ?? { ip: new Uint8Array(16), port: 0 }); }
  /** The loopback address a connection from here uses. */
  loopbackFor(dest: Uint8Array): Uint8Array { return isV4(dest) ? V4_LOOPBACK : V6_LOOPBACK; }

  // TCP: a byte stream has no sender address; loopback holds our send buffer and the peer's receive buffer.
  protected sourceAddr(): Uint8Array | null { return null; }
  protected sendCapacity(): number { return this.sndbuf + (this.peer?.rcvbuf ?? 0); }
  /** TCP's SHUT_RD tells the peer nothing; SHUT_WR sends a FIN. */
  protected peerShutMode(mode: number): number { return mode & SEND_SHUTDOWN ? RCV_SHUTDOWN : 0; }
  /** A close sends a FIN, or a reset when data was left unread. */
  protected tellPeerClosed(other: UnixSocket, hadUnread: boolean): void {
    if (hadUnread) { other.shutdown = SHUTDOWN_MASK; other.err = ECONNRESET; }
    else other.shutdown |= RCV_SHUTDOWN;
  }

  sendStream(data: Uint8Array, files: OpenFile[] | null, cred: Ucred | null): number {
    const other = this.peer;
    if (this.state === "connected" && other?.dead && !(this.shutdown & SEND_SHUTDOWN) && data.length) {
      // The closed peer answers this segment with a reset: this write succeeds, later ones fail.
      this.shutdown = SHUTDOWN_MASK;
      this.waitQueue.notify();
      return data.length;
    }
    if (this.state !== "connected") return -EPIPE; // tcp_sendmsg on a socket that never connected
    return super.sendStream(data, files, cred);
  }

  recvStream(out: Uint8Array, peek: boolean, got: Received): number {
    if (this.state !== "connected") return -ENOTCONN;
    return super.recvStream(out, peek, got);
  }

  /**
   * UDP: a datagram to target (null: the connected peer) is delivered or silently dropped (no
   * receiver, a receiver connected elsewhere, a full receive buffer); a connected sender learns
   * of a missing receiver as ECONNREFUSED on its next call, as from an ICMP error.
   */
  sendRecord(data: Uint8Array, _files: OpenFile[] | null, _cred: Ucred | null, target: UnixSocket | null, dest?: InetName): number {
    if (data.length > (this.family === AF_INET ? 65507 : 65527)) return -EMSGSIZE;
    if (this.shutdown & SEND_SHUTDOWN) return -EPIPE;
    const to = dest ?? this.remote;
    if (!to) return -EDESTADDRREQ;
    if (!this.local && !this.ports.bind(this, anyFor(this.family), 0)) return -EAGAIN_PORTS;
    const r = (target as InetSocket | null) ?? this.ports.find(to.ip, to.port, () => true);
    if (!r) {
      if (this.remote && !dest) this.err = ECONNREFUSED;
      return data.length;
    }
    const src: InetName = { ip: isAny(this.local!.ip) ? this.loopbackFor(to.ip) : this.local!.ip, port: this.local!.port };
    if (r.remote && (r.remote.port !== src.port || !sameIp(r.remote.ip, src.ip))) return data.length;
    const queued = r.queue.reduce((n, m) => n + m.data.length, 0);
    if (queued + data.length > r.rcvbuf) return data.length;
    r.queue.push({ data: data.slice(), off: 0, files: null, cred: null, from: formatInet(r.family, src), sender: r, charge: 0 });
    r.waitQueue.notify();
    return data.length;
  }

  poll(): number {
    if (this.type === SOCK_STREAM) return super.poll();
    // datagram_poll: UDP is always writable.
    let m = 0;
    if (this.err) m |= POLLERR;
    if (this.shutdown & RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.shutdown === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.queue.length) m |= POLLIN | POLLRDNORM;
    return m | POLLOUT | POLLWRNORM | POLLWRBAND;
  }
}

/** No ephemeral port left. */
const EAGAIN_PORTS = 11;

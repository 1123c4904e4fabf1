// AF_NETLINK, NETLINK_ROUTE only, as far as reading the machine's one network device goes: the
// RTM_GETLINK and RTM_GETADDR requests (dumps or one link) that getifaddrs(3), if_nameindex(3),
// `ip addr`, Go's net.Interfaces and node's os.networkInterfaces() send. The device is lo with
// 127.0.0.1/8 and ::1/128 (the loopback network of runtime/vfs/inet.ts); other requests are
// answered with an NLMSG_ERROR of EOPNOTSUPP, changes with EPERM. netlink(7), rtnetlink(7).
import { EOPNOTSUPP, ENODEV, EPERM, EINVAL, EADDRINUSE } from "../errno.js";
import { UnixSocket, AF_NETLINK, AF_INET, AF_INET6, SOCK_DGRAM, type UnixMessage } from "./socket.js";
import type { OpenFile } from "./file.js";
import type { Ucred } from "./socket.js";

export const NETLINK_ROUTE = 0;
const NLMSG_ERROR = 2, NLMSG_DONE = 3;
const NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22;
const IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_QDISC = 6, IFLA_TXQLEN = 13,
  IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_GROUP = 27, IFLA_CARRIER = 33;
const IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
const ARPHRD_LOOPBACK = 772;
/** IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP */
const LO_FLAGS = 0x1 | 0x8 | 0x40 | 0x10000;
const IFA_F_PERMANENT = 0x80, RT_SCOPE_HOST = 254, IF_OPER_UNKNOWN = 0;
const LO_INDEX = 1, LO_MTU = 65536;
/** The machine's one network device, for the SIOCGIF* ioctls too. */
export const LOOPBACK = { name: "lo", index: LO_INDEX, mtu: LO_MTU, flags: LO_FLAGS, hwType: ARPHRD_LOOPBACK };

const enc = new TextEncoder();

/** One rtattr: 4-byte header, payload, padding to 4. */
function attr(type: number, payload: Uint8Array): Uint8Array {
  const len = 4 + payload.length;
  const b = new Uint8Array((len + 3) & ~3);
  new DataView(b.buffer).setUint16(0, len, true);
  new DataView(b.buffer).setUint16(2, type, true);
  b.set(payload, 4);
  return b;
}
const u32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };
const str = (s: string) => { const b = new Uint8Array(s.length + 1); b.set(enc.encode(s)); return b; };
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

/** A netlink message: header, then body (padded to 4). */
function message(type: number, flags: number, seq: number, pid: number, body: Uint8Array): Uint8Array {
  const len = 16 + body.length;
  const b = new Uint8Array((len + 3) & ~3);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, len, true); dv.setUint16(4, type, true); dv.setUint16(6, flags, true);
  dv.setUint32(8, seq, true); dv.setUint32(12, pid, true);
  b.set(body, 16);
  return b;
}

function linkMessage(flags: number, seq: number, pid: number): Uint8Array {
  const ifi = new Uint8Array(16);
  const dv = new DataView(ifi.buffer);
  dv.setUint16(2, ARPHRD_LOOPBACK, true); dv.setInt32(4, LO_INDEX, true); dv.setUint32(8, LO_FLAGS, true);
  return message(RTM_NEWLINK, flags, seq, pid, concat([
    ifi, attr(IFLA_IFNAME, str("lo")), attr(IFLA_TXQLEN, u32(1000)), attr(IFLA_OPERSTATE, new Uint8Array([IF_OPER_UNKNOWN])),
    attr(IFLA_LINKMODE, new Uint8Array([0])), attr(IFLA_MTU, u32(LO_MTU)), attr(IFLA_GROUP, u32(0)),
    attr(IFLA_QDISC, str("noqueue")), attr(IFLA_CARRIER, new Uint8Array([1])),
    attr(IFLA_ADDRESS, new Uint8Array(6)), attr(IFLA_BROADCAST, new Uint8Array(6)),
  ]));
}

function addrMessages(family: number, flags: number, seq: number, pid: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const forever = concat([u32(0xffffffff), u32(0xffffffff), u32(0), u32(0)]);
  const one = (fam: number, prefix: number, ip: Uint8Array, v4: boolean) => {
    const ifa = new Uint8Array(8);
    ifa[0] = fam; ifa[1] = prefix; ifa[2] = IFA_F_PERMANENT; ifa[3] = RT_SCOPE_HOST;
    new DataView(ifa.buffer).setUint32(4, LO_INDEX, true);
    const attrs = [attr(IFA_ADDRESS, ip)];
    if (v4) attrs.push(attr(IFA_LOCAL, ip), attr(IFA_LABEL, str("lo")));
    attrs.push(attr(IFA_FLAGS, u32(IFA_F_PERMANENT)), attr(IFA_CACHEINFO, forever));
    out.push(message(RTM_NEWADDR, flags, seq, pid, concat([ifa, ...attrs])));
  };
  if (family === 0 || family === AF_INET) one(AF_INET, 8, new Uint8Array([127, 0, 0, 1]), true);
  if (family === 0 || family === AF_INET6) { const ip = new Uint8Array(16); ip[15] = 1; one(AF_INET6, 128, ip, false); }
  return out;
}

/** The kernel's address (nl_pid 0), as recvfrom reports the sender. */
const KERNEL_ADDR = (() => { const b = new Uint8Array(12); b[0] = AF_NETLINK; return b; })();

/** Port ids taken in this machine (a socket's nl_pid). */
const portsTaken = new WeakMap<object, Set<number>>();

export class NetlinkSocket extends UnixSocket {
  /** nl_pid: 0 until bound (explicitly, or by the first send). */
  port = 0;
  groups = 0;
  /** machine: what port ids are unique within; tgid: the creating process (the first autobind's id). */
  constructor(readonly protocol: number, private machine: object, private tgid: number) { super(SOCK_DGRAM); }

  /** getsockname's sockaddr_nl. */
  get name(): Uint8Array {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, AF_NETLINK, true); dv.setUint32(4, this.port, true); dv.setUint32(8, this.groups, true);
    return b;
  }

  private taken(): Set<number> {
    let s = portsTaken.get(this.machine);
    if (!s) { s = new Set(); portsTaken.set(this.machine, s); }
    return s;
  }

  /** bind(2) with a sockaddr_nl; nl_pid 0 picks the process id, or a free negative id when that is taken. */
  bindTo(addr: Uint8Array): number {
    if (addr.length < 12 || (addr[0] | (addr[1] << 8)) !== AF_NETLINK) return -EINVAL;
    const dv = new DataView(addr.buffer, addr.byteOffset);
    const want = dv.getUint32(4, true);
    this.groups = dv.getUint32(8, true);
    if (this.port) return want === 0 || want === this.port ? 0 : -EINVAL;
    return this.autobind(want);
  }

  autobind(want = 0): number {
    if (this.port) return 0;
    const taken = this.taken();
    let port = want || this.tgid;
    if (taken.has(port)) {
      if (want) return -EADDRINUSE;
      port = -4096;
      while (taken.has(port >>> 0)) port--;
    }
    this.port = port >>> 0;
    taken.add(this.port);
    return 0;
  }

  close(): void {
    if (this.port) this.taken().delete(this.port);
    super.close();
  }

  /** A request to the kernel: its answers are queued for reading at once. */
  sendRecord(data: Uint8Array, _files: OpenFile[] | null, _cred: Ucred | null, _target: UnixSocket | null): number {
    this.autobind();
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let at = 0; at + 16 <= data.length;) {
      const len = dv.getUint32(at, true), type = dv.getUint16(at + 4, true), flags = dv.getUint16(at + 6, true);
      const seq = dv.getUint32(at + 8, true);
      if (len < 16 || at + len > data.length) break;
      if (flags & NLM_F_REQUEST) this.answer(type, flags, seq, data.subarray(at, at + len));
      at += (len + 3) & ~3;
    }
    return data.length;
  }

  private answer(type: number, flags: number, seq: number, request: Uint8Array): void {
    const pid = this.port;
    const error = (errno: number) => {
      const body = new Uint8Array(4 + 16);
      new DataView(body.buffer).setInt32(0, -errno, true);
      body.set(request.subarray(0, 16), 4);
      this.push(message(NLMSG_ERROR, 0, seq, pid, body));
    };
    const done = () => { const z = new Uint8Array(4); return message(NLMSG_DONE, NLM_F_MULTI, seq, pid, z); };
    if (this.protocol !== NETLINK_ROUTE) { error(EOPNOTSUPP); return; }
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    if (type === RTM_GETLINK) {
      if (dump) { this.push(concat([linkMessage(NLM_F_MULTI, seq, pid), done()])); return; }
      // One link, by index or by IFLA_IFNAME.
      const body = request.subarray(16);
      const index = body.length >= 8 ? new DataView(body.buffer, body.byteOffset).getInt32(4, true) : 0;
      let name = "";
      for (let at = 16; at + 4 <= body.length;) {
        const dv = new DataView(body.buffer, body.byteOffset + at);
        const alen = dv.getUint16(0, true), atype = dv.getUint16(2, true);
        if (alen < 4) break;
        if (atype === IFLA_IFNAME) name = new TextDecoder().decode(body.subarray(at + 4, at + alen)).replace(/\0.*$/, "");
        at += (alen + 3) & ~3;
      }
      if (index === LO_INDEX || (index === 0 && name === "lo")) this.push(linkMessage(0, seq, pid));
      else error(ENODEV);
      return;
    }
    if (type === RTM_GETADDR && dump) {
      const family = request.length > 16 ? request[16] : 0;
      this.push(concat([...addrMessages(family, NLM_F_MULTI, seq, pid), done()]));
      return;
    }
    // New, delete and set requests (even numbers of a family are NEW, +1 DEL): nothing may change.
    if (type >= 16 && (type & 3) !== 2) { error(EPERM); return; }
    error(EOPNOTSUPP);
  }

  private push(data: Uint8Array): void {
    const m: UnixMessage = { data, off: 0, files: null, cred: null, from: KERNEL_ADDR, sender: this, charge: 0 };
    this.queue.push(m);
    this.waitQueue.notify();
  }
}

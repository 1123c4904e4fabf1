// The three files a container runtime gives every container and its image did not bring:
// /etc/hostname, /etc/hosts and /etc/resolv.conf, with the contents Docker writes (moby's
// libnetwork etchosts and resolvconf packages; docs.docker.com, "Container networking" / DNS).
// The sandbox keeps them in a small tmpfs of its own and bind-mounts each over the empty file
// its container's init layer has at that path (images/container.ts), so they are per container,
// writable in place by root, pinned (rm or mv onto them: EBUSY) and never part of a commit.
//
// Where wasl differs from `docker run --network none` (the mode closest to its loopback-only
// network, runtime/vfs/inet.ts): Docker then writes no line for the container's own name, and
// `hostname -i`, sudo or Java's getLocalHost fail. Here the name maps to 127.0.1.1, as Debian's
// installer does for a machine without a permanent address: it is on the loopback device (all
// of 127.0.0.0/8 is, so a server bound to it is reachable), and it is not 127.0.0.1, so a
// reverse lookup of 127.0.0.1 still says "localhost".

/** The container's own name in /etc/hosts: see above for why this address. */
export const OWN_ADDRESS = "127.0.1.1";

/** Docker's fallback when no usable nameserver is left: Google Public DNS, IPv4 then IPv6. */
const DEFAULT_NAMESERVERS = ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"];

export interface NetworkFileOptions {
  hostname: string;
  /** --add-host: [name, address] pairs, in order. */
  extraHosts?: Array<[string, string]>;
  /** --dns, --dns-search, --dns-option: each replaces that part of the host's configuration. */
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** The host's resolv.conf text, or null when there is none to derive from (a browser, deterministic runs). */
  hostResolvConf: string | null;
}

export interface NetworkFiles { hostname: string; hosts: string; "resolv.conf": string }

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A dotted-quad IPv4 or an IPv6 address (with an optional %zone), as inet_pton and net.ParseIP take them. */
export function isIP(s: string): boolean { return IPV4.test(s) || isIPv6(s); }

function isIPv6(s: string): boolean {
  let addr = s;
  const pct = addr.indexOf("%");
  if (pct >= 0) {
    if (!/^[\w.-]+$/.test(addr.slice(pct + 1))) return false;
    addr = addr.slice(0, pct);
  }
  const lastColon = addr.lastIndexOf(":");
  if (lastColon < 0) return false;
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as the last two groups.
  if (addr.includes(".", lastColon)) {
    if (!IPV4.test(addr.slice(lastColon + 1))) return false;
    addr = addr.slice(0, lastColon + 1) + "0:0";
  }
  const hex = (g: string) => /^[0-9a-fA-F]{1,4}$/.test(g);
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  if (halves.length === 1) { const g = groups(addr); return g.length === 8 && g.every(hex); }
  const a = groups(halves[0]), b = groups(halves[1]);
  return a.length + b.length <= 7 && [...a, ...b].every(hex);
}

/** `--add-host name:address` (or name=address); the address may be IPv6, in brackets or not. */
export function parseExtraHost(spec: string): [string, string] {
  const eq = spec.indexOf("="), colon = spec.indexOf(":");
  const i = eq > 0 && (colon < 0 || eq < colon) ? eq : colon;
  if (i <= 0) throw new Error(`invalid extra host ${JSON.stringify(spec)} (name:address)`);
  const name = spec.slice(0, i);
  let ip = spec.slice(i + 1);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip === "host-gateway") throw new Error(`extra host ${name}: there is no host gateway (the sandbox's network is its own loopback)`);
  if (!isIP(ip)) throw new Error(`invalid IP address in extra host ${JSON.stringify(spec)}`);
  return [name, ip];
}

/** /etc/hostname: the name and a newline. */
export function hostnameFile(hostname: string): string { return hostname + "\n"; }

/**
 * /etc/hosts as Docker builds it: the localhost and IPv6 entries, the --add-host entries, then
 * the container's own name (its FQDN and the part before the first dot), tab-separated.
 */
export function hostsFile(hostname: string, extraHosts: Array<[string, string]> = []): string {
  const lines: Array<[string, string]> = [
    ["127.0.0.1", "localhost"],
    ["::1", "localhost ip6-localhost ip6-loopback"],
    ["fe00::0", "ip6-localnet"],
    ["ff00::0", "ip6-mcastprefix"],
    ["ff02::1", "ip6-allnodes"],
    ["ff02::2", "ip6-allrouters"],
    ...extraHosts.map(([name, ip]): [string, string] => [ip, name]),
  ];
  const dot = hostname.indexOf(".");
  lines.push([OWN_ADDRESS, dot > 0 ? `${hostname} ${hostname.slice(0, dot)}` : hostname]);
  return lines.map(([ip, names]) => `${ip}\t${names}\n`).join("");
}

/** The nameserver, search and options values of a resolv.conf (the last search/options line wins, as in the resolver). */
function parseResolvConf(text: string): { nameservers: string[]; search: string[]; options: string[] } {
  const r = { nameservers: [] as string[], search: [] as string[], options: [] as string[] };
  for (const raw of text.split("\n")) {
    const f = raw.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (f[0] === "nameserver" && f.length === 2 && isIP(f[1])) r.nameservers.push(f[1]);
    else if (f[0] === "search" || f[0] === "domain") r.search = f.slice(1);
    else if (f[0] === "options") r.options = f.slice(1);
  }
  return r;
}

/** A nameserver on the host's loopback (127.0.0.0/8, ::1): in the container that is the guest's own loopback. */
function isLoopbackNameserver(line: string): boolean {
  return /^\s*nameserver\s+(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)\s*$/.test(line);
}

/**
 * /etc/resolv.conf as Docker derives it from the host's. Without --dns/--dns-search/--dns-option:
 * the host's file with its loopback nameservers removed (they would name the container's own
 * loopback) and Google's public servers added when none is left. With any of them: a new file of
 * search, nameserver and options lines, the parts not given taken from the host's file (its
 * loopback nameservers left out here too, where Docker keeps them).
 */
export function resolvConfFile(o: Pick<NetworkFileOptions, "dns" | "dnsSearch" | "dnsOptions" | "hostResolvConf">): string {
  const host = o.hostResolvConf ?? "";
  if (o.dns?.length || o.dnsSearch?.length || o.dnsOptions?.length) {
    const h = parseResolvConf(host);
    const ns = o.dns?.length ? o.dns : h.nameservers.filter((n) => !isLoopbackNameserver(`nameserver ${n}`));
    const search = o.dnsSearch?.length ? o.dnsSearch : h.search;
    const options = o.dnsOptions?.length ? o.dnsOptions : h.options;
    let out = "";
    // "--dns-search ." means no search domains.
    if (search.length && search.join(" ").trim() !== ".") out += `search ${search.join(" ")}\n`;
    for (const n of ns) out += `nameserver ${n}\n`;
    if (options.length) out += `options ${options.join(" ")}\n`;
    return out;
  }
  let out = host.split("\n").filter((l) => !isLoopbackNameserver(l)).join("\n");
  if (parseResolvConf(out).nameservers.length === 0) {
    if (out !== "" && !out.endsWith("\n")) out += "\n";
    out += DEFAULT_NAMESERVERS.map((n) => `nameserver ${n}\n`).join("");
  }
  return out;
}

/** The three files' contents, by their names under /etc. */
export function networkFiles(o: NetworkFileOptions): NetworkFiles {
  return { hostname: hostnameFile(o.hostname), hosts: hostsFile(o.hostname, o.extraHosts), "resolv.conf": resolvConfFile(o) };
}

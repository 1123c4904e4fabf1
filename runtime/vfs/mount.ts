// Dentries, mounts and the mount table. A Path is a (mount, dentry) pair, as in Linux: the same
// dentry seen through two bind mounts is two different paths, and ".." at a mount's root steps to
// the mount point in the parent mount.
import type { Inode, Superblock } from "./inode.js";

/** A name in the tree: caches a directory's looked-up children and remembers its parent. */
export class Dentry {
  readonly children = new Map<string, Dentry>();
  /** Mounts stacked on this dentry (mount points cannot be removed or renamed: EBUSY). */
  mounts = 0;
  /** Set when the name was removed; open files and cwds keep the dentry alive. */
  deleted = false;
  constructor(public name: string, public parent: Dentry | null, public inode: Inode) {}
}

export const MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8;

let mountIds = 20;

export class Mount {
  readonly id = ++mountIds;
  constructor(
    readonly sb: Superblock,
    readonly root: Dentry,
    public parent: Mount | null,
    public mountpoint: Dentry | null,
    public flags: number,
    /** What /proc/mounts shows as the source ("tmpfs", "proc", the host folder). */
    readonly source: string,
  ) {}
  get readonly(): boolean { return (this.flags & MS_RDONLY) !== 0; }
}

export interface Path { mnt: Mount; dentry: Dentry }

export function samePath(a: Path, b: Path): boolean { return a.mnt === b.mnt && a.dentry === b.dentry; }

/** The mounts of one namespace, in mount order. */
export class MountTable {
  readonly mounts: Mount[] = [];
  private byPoint = new Map<Dentry, Mount[]>();
  readonly root: Mount;

  constructor(rootSb: Superblock, source: string, flags = 0) {
    this.root = new Mount(rootSb, new Dentry("/", null, rootSb.root), null, null, flags, source);
    this.mounts.push(this.root);
  }

  rootPath(): Path { return { mnt: this.root, dentry: this.root.root }; }

  /** Mounts sb (or a subtree of it, for bind mounts) on the path at. */
  attach(at: Path, sb: Superblock, root: Dentry, flags: number, source: string): Mount {
    const m = new Mount(sb, root, at.mnt, at.dentry, flags, source);
    this.mounts.push(m);
    const list = this.byPoint.get(at.dentry) ?? [];
    list.push(m);
    this.byPoint.set(at.dentry, list);
    at.dentry.mounts++;
    return m;
  }

  detach(m: Mount): void {
    this.mounts.splice(this.mounts.indexOf(m), 1);
    if (!m.mountpoint) return;
    const list = this.byPoint.get(m.mountpoint)!;
    list.splice(list.indexOf(m), 1);
    if (list.length === 0) this.byPoint.delete(m.mountpoint);
    m.mountpoint.mounts--;
  }

  /** The topmost mount on (parent, dentry), if any. */
  mountedOn(p: Path): Mount | undefined {
    const list = this.byPoint.get(p.dentry);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i].parent === p.mnt) return list[i];
    return undefined;
  }

  /** Steps down through every mount stacked on p. */
  down(p: Path): Path {
    for (let m = this.mountedOn(p); m; m = this.mountedOn(p)) p = { mnt: m, dentry: m.root };
    return p;
  }

  /** Mounts whose parent is m (for umount EBUSY and /proc/mounts order). */
  childrenOf(m: Mount): Mount[] { return this.mounts.filter((c) => c.parent === m); }
}

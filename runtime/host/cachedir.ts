// The per-user cache directory (Node only): wasl's image store lives there by default, and the
// command line's compiled-code cache.
import * as os from "node:os";
import * as path from "node:path";

/** ~/.cache/wasl on Linux ($XDG_CACHE_HOME honoured), the platform's cache folder elsewhere. */
export function userCacheDir(): string {
  const home = os.homedir();
  if (process.platform === "win32") return path.join(process.env.LOCALAPPDATA || path.join(home, "AppData", "Local"), "wasl", "cache");
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "wasl");
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, ".cache"), "wasl");
}

/**
 * Where `kcl-ts run --hub` puts its hubs' sockets: a fresh directory only this user can
 * enter (mkdtemp makes it 0700, which the hub's listener requires), under the system's
 * temporary directory, or /tmp when that one is too deep for a Unix socket's path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a Unix socket address holds on every platform we build for (104 bytes on macOS, NUL included). */
export const MAX_SOCKET_PATH_BYTES = 103;

export interface HubDirectory {
  readonly dir: string;
  /** One socket path per hub, `hub-1.sock` … */
  readonly sockets: readonly string[];
  /** Removes the directory and whatever is left in it (safe to call twice). */
  remove(): void;
}

export function makeHubDirectory(hubs: number, roots: readonly string[] = [tmpdir(), '/tmp']): HubDirectory {
  const longest = `hub-${hubs}.sock`;
  for (const root of roots) {
    // mkdtemp adds six characters to the prefix.
    const expected = path.join(path.resolve(root), 'kcl-ts-hub-XXXXXX', longest);
    if (Buffer.byteLength(expected) > MAX_SOCKET_PATH_BYTES) continue;
    const dir = mkdtempSync(path.join(path.resolve(root), 'kcl-ts-hub-'));
    const sockets = Array.from({ length: hubs }, (_, i) => path.join(dir, `hub-${i + 1}.sock`));
    let removed = false;
    return {
      dir,
      sockets,
      remove() {
        if (removed) return;
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(
    `no temporary directory short enough for a hub socket (at most ${MAX_SOCKET_PATH_BYTES} bytes): tried ${roots.join(', ')}; set TMPDIR to a shorter one`,
  );
}

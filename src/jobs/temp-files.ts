import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The clip pipeline's working folders hold the plain recording (WAV) and clip while a job runs.
 * Each is named after the process that made it, so a crash's leftovers can be told from work
 * another process is still doing: they go when that process is gone, or when they are old.
 */
const PREFIX = 'consent-clip-';
/** Older than this, a folder is stale whoever made it (no clip job runs that long). */
const STALE_MS = 6 * 3600_000;

export function makeClipWorkDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes stale working folders; returns how many. Run at start and by every sweep. */
export function sweepTempFiles(now = Date.now(), dir = os.tmpdir()): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(PREFIX));
  } catch {
    return 0;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    try {
      const stat = fs.statSync(full);
      if (!stat.isDirectory() || stat.uid !== process.getuid?.()) continue;
      const pid = Number(/^consent-clip-(\d+)-/.exec(name)?.[1]);
      // Folders from before they carried a pid count as a dead process's.
      const owned = Number.isInteger(pid) && pid > 0 && alive(pid);
      if (owned && now - stat.mtimeMs < STALE_MS) continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed += 1;
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
  return removed;
}

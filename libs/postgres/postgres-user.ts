// PostgreSQL refuses to run as root. As root, the cluster runs as a system user made for it
// (`keysync-pg`, no login shell, no home); as anyone else, it runs as that user, who owns it.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface PostgresUser {
  name: string;
  uid: number;
  gid: number;
  /** True when this process runs as root and so must switch to the user (spawn's uid/gid). */
  switchTo: boolean;
}

export const POSTGRES_SYSTEM_USER = 'keysync-pg';

function lookUp(name: string): { uid: number; gid: number } | null {
  try {
    const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

/** The user the cluster runs as; made when this process is root and it does not exist yet. */
export function ensurePostgresUser(): PostgresUser {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { name: process.env.USER ?? String(uid), uid, gid: process.getgid?.() ?? -1, switchTo: false };
  let found = lookUp(POSTGRES_SYSTEM_USER);
  if (!found) {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', POSTGRES_SYSTEM_USER], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`Could not create the system user ${POSTGRES_SYSTEM_USER} that PostgreSQL runs as (it refuses root): ${(error as Error).message}`);
    }
    found = lookUp(POSTGRES_SYSTEM_USER);
    if (!found) throw new Error(`useradd made ${POSTGRES_SYSTEM_USER}, but getent does not find it.`);
  }
  return { name: POSTGRES_SYSTEM_USER, ...found, switchTo: true };
}

/**
 * The user must reach its data folder: every folder above it must be searchable by others (the
 * user is neither their owner nor in their group). Checked up front, because postgres's own error
 * ("could not change directory") does not say which folder is in the way.
 */
export function checkReachable(user: PostgresUser, folder: string): void {
  if (!user.switchTo) {
    accessSync(dirname(folder), constants.X_OK);
    return;
  }
  for (let dir = dirname(folder); ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const searchable = stat.uid === user.uid ? (stat.mode & 0o100) !== 0 : (stat.mode & 0o001) !== 0;
    if (!searchable) {
      throw new Error(
        `PostgreSQL runs as ${user.name} (it refuses root) and cannot reach ${folder}: ${dir} is not searchable by others. ` +
          'Use a state folder (KEYSYNC_HOME) under folders others may traverse, e.g. /var/lib/keysync.',
      );
    }
    if (dirname(dir) === dir) return;
  }
}

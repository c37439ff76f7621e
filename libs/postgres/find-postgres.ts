// Finds PostgreSQL's server programs (initdb, postgres). Debian's `postgresql` package keeps them in
// /usr/lib/postgresql/<major>/bin, off the PATH; a PATH entry (another distribution, or a wrapper)
// is taken first. KEYSYNC_PG_BIN names the folder explicitly.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PostgresPrograms {
  initdb: string;
  postgres: string;
}

function inFolder(dir: string): PostgresPrograms | null {
  const programs = { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres') };
  return existsSync(programs.initdb) && existsSync(programs.postgres) ? programs : null;
}

export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresPrograms | null {
  if (env.KEYSYNC_PG_BIN) return inFolder(env.KEYSYNC_PG_BIN);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const found = dir ? inFolder(dir) : null;
    if (found) return found;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  // The newest major version installed.
  const majors = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const found = inFolder(join(debian, major, 'bin'));
    if (found) return found;
  }
  return null;
}

export function requirePostgres(env: NodeJS.ProcessEnv = process.env): PostgresPrograms {
  const found = findPostgres(env);
  if (found) return found;
  throw new Error(
    env.KEYSYNC_PG_BIN
      ? `KEYSYNC_PG_BIN is ${env.KEYSYNC_PG_BIN}, which has no initdb and postgres.`
      : 'PostgreSQL was not found (no initdb and postgres on the PATH or in /usr/lib/postgresql/<version>/bin). On Debian: apt-get install -y postgresql; or set KEYSYNC_PG_BIN to the folder of its programs.',
  );
}

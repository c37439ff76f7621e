// NSS softoken (Debian libnss3's libsoftokn3.so), the third implementation the tests run on. It is
// configured by the string given to C_Initialize (pkcs11LibraryParameters), not by a file or a
// variable, and pkcs11-tool cannot pass one, so only this layer drives it. One string lists every
// token of the process (`tokens=<4=[...] 5=[...]>`), each in its own SQL database folder and
// named by its tokenDescription, which is the token label.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HsmError } from './errors';

const KNOWN_MODULE_PATHS = ['/usr/lib/x86_64-linux-gnu/libsoftokn3.so', '/usr/lib/aarch64-linux-gnu/libsoftokn3.so', '/usr/lib64/libsoftokn3.so', '/usr/lib/libsoftokn3.so'];

/** NSS's first slot id for tokens named in `tokens=` (lower ids are its internal slots). */
const FIRST_USER_SLOT = 4;

export function findNssSoftokenModule(env: NodeJS.ProcessEnv = process.env): string | null {
  const named = env.KEYSYNC_NSS_MODULE;
  if (named) return existsSync(named) ? named : null;
  return KNOWN_MODULE_PATHS.find((path) => existsSync(path)) ?? null;
}

export function requireNssSoftokenModule(env: NodeJS.ProcessEnv = process.env): string {
  const found = findNssSoftokenModule(env);
  if (found) return found;
  throw new HsmError('module-not-found', `NSS softoken (libsoftokn3.so) was not found (KEYSYNC_NSS_MODULE, ${KNOWN_MODULE_PATHS.join(', ')}): install it (Debian: apt-get install libnss3) or set KEYSYNC_NSS_MODULE.`);
}

/** Labels NSS can carry inside its parameter string: no quotes, brackets or NUL. */
const SAFE_LABEL = /^[^'"[\]<>\\\0]{1,32}$/;

/**
 * The library parameters for tokens `labels`, each with a database folder under `dir`
 * (created here). Every member of the module in one process must use this same string.
 */
export function nssLibraryParameters(dir: string, labels: readonly string[]): string {
  const tokens = labels.map((label, index) => {
    if (!SAFE_LABEL.test(label)) throw new HsmError('invalid-data', `NSS token label "${label}" must be 1 to 32 characters without quotes, brackets or backslashes.`);
    const database = join(dir, `token-${index + 1}`);
    mkdirSync(database, { recursive: true });
    return `${FIRST_USER_SLOT + index}=[configdir='sql:${database}' certPrefix='' keyPrefix='' tokenDescription='${label}']`;
  });
  return `configdir='sql:${dir}' certPrefix='' keyPrefix='' secmod='secmod.db' flags= tokens=<${tokens.join(' ')}>`;
}

// Kryoptic (crates.io `kryoptic`, a PKCS#11 3.2 soft token in Rust), the second implementation
// the tests run on. scripts/setup.mjs builds its library once and caches it by version; this finds
// that build the way the Temporal CLI and versitygw are found, and writes the TOML file that
// KRYOPTIC_CONF names: one [[slots]] entry per token, each in its own SQLite file. Like SoftHSM it
// reads its configuration at C_Initialize, so the variable is set before the first token opens.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedToolPath, findTool } from '../tool-finder';
import type { ToolSpec } from '../tool-finder';
import { HsmError } from './errors';

/** Same version as scripts/setup.mjs builds. */
export const KRYOPTIC_VERSION = '1.5.4';

/** Kryoptic refuses shorter PINs (CKR_PIN_LEN_RANGE). */
export const KRYOPTIC_MIN_PIN_LENGTH = 8;

const KRYOPTIC: ToolSpec = { binary: 'libkryoptic_pkcs11.so', envVar: 'KEYSYNC_KRYOPTIC_MODULE', version: KRYOPTIC_VERSION, cacheName: 'kryoptic', onPath: false };

/** KEYSYNC_KRYOPTIC_MODULE, then the cached build; null when neither exists. */
export function findKryopticModule(env: NodeJS.ProcessEnv = process.env): string | null {
  return findTool(KRYOPTIC, env);
}

export function requireKryopticModule(env: NodeJS.ProcessEnv = process.env): string {
  const found = findKryopticModule(env);
  if (found) return found;
  if (env.KEYSYNC_KRYOPTIC_MODULE) throw new HsmError('module-not-found', `KEYSYNC_KRYOPTIC_MODULE points at ${env.KEYSYNC_KRYOPTIC_MODULE}, which does not exist: fix the variable or unset it.`);
  throw new HsmError(
    'module-not-found',
    `Kryoptic ${KRYOPTIC_VERSION} was not found (not in KEYSYNC_KRYOPTIC_MODULE, not at ${cachedToolPath(KRYOPTIC, env)}): run \`npm run tools\` once, which builds it with cargo, or build it yourself and set KEYSYNC_KRYOPTIC_MODULE to its libkryoptic_pkcs11.so.`,
  );
}

/** Writes `<dir>/kryoptic.toml` with one slot per label (slots numbered from 1) and returns its path: the value of KRYOPTIC_CONF. */
export function writeKryopticConf(dir: string, slotCount: number): string {
  mkdirSync(dir, { recursive: true });
  const slots = Array.from({ length: slotCount }, (_, index) => `[[slots]]\nslot = ${index + 1}\ndbtype = "sqlite"\ndbargs = "${join(dir, `token-${index + 1}.sqlite`)}"\n`);
  const confPath = join(dir, 'kryoptic.toml');
  writeFileSync(confPath, slots.join('\n'));
  return confPath;
}

export function kryopticConfExists(confPath: string): boolean {
  return existsSync(confPath);
}

// What a member's PKCS#11 module needs besides its path (DESIGN 16): the environment it reads at
// C_Initialize (SOFTHSM2_CONF, KRYOPTIC_CONF, a vendor's variables), the parameters some modules
// take there instead (NSS softoken), and vendor mechanisms for wrap formats, each stating the
// format it implements, because no code can discover what a vendor's number means.
import { isAbsolute, resolve } from 'node:path';
import { wrapFormats } from '../contract/hsm-capabilities';
import type { WrapMechanismOverrides } from '../hsm/types';
import { join } from './config-reader';
import type { ConfigReader, Json } from './config-reader';

export const MODULE_SETTING_FIELDS = ['environment', 'pkcs11LibraryParameters', 'wrapMechanisms'] as const;

export interface ModuleSettings {
  environment?: Record<string, string>;
  pkcs11LibraryParameters?: string;
  wrapMechanisms?: WrapMechanismOverrides;
}

// Values are taken as written, except the variables known to name a file: resolved like every
// path of the configuration. A vendor's variables that name paths should be absolute.
const PATH_VARIABLES = new Set(['SOFTHSM2_CONF', 'KRYOPTIC_CONF']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MECHANISM = /^0x[0-9a-fA-F]{1,8}$/;

/** Standard mechanisms whose format is fixed by PKCS#11: an override may not claim another. */
const STANDARD_FORMAT_OF: ReadonlyMap<number, (typeof wrapFormats)[number] | 'aes-kw'> = new Map([
  [0x2109, 'aes-kw'],
  [0x210b, 'aes-kwp'],
  [0x210c, 'aes-kw-pkcs7'],
]);

export function readModuleSettings(r: ConfigReader, m: Record<string, Json>, field: string, baseDir: string): ModuleSettings {
  const settings: ModuleSettings = {};
  if (m.environment !== undefined) settings.environment = readEnvironment(r, m.environment, join(field, 'environment'), baseDir);
  if (m.pkcs11LibraryParameters !== undefined) {
    const at = join(field, 'pkcs11LibraryParameters');
    const text = r.string(m.pkcs11LibraryParameters, at);
    if (text.includes('\0')) r.report(at, 'must not contain a NUL character');
    else if (Buffer.byteLength(text, 'utf8') > 4096) r.report(at, 'must be at most 4096 bytes');
    settings.pkcs11LibraryParameters = text;
  }
  if (m.wrapMechanisms !== undefined) settings.wrapMechanisms = readWrapMechanisms(r, m.wrapMechanisms, join(field, 'wrapMechanisms'));
  return settings;
}

function readEnvironment(r: ConfigReader, value: Json, field: string, baseDir: string): Record<string, string> {
  // Any variable name is known here: the module decides which it reads.
  const names = typeof value === 'object' && value !== null ? Object.keys(value) : [];
  const environment: Record<string, string> = {};
  for (const [name, setting] of Object.entries(r.object(value, field, names) ?? {})) {
    const at = join(field, name);
    if (!ENV_NAME.test(name)) r.report(at, 'must be an environment variable name');
    const text = r.string(setting, at);
    environment[name] = PATH_VARIABLES.has(name) && text !== '' && !isAbsolute(text) ? resolve(baseDir, text) : text;
  }
  return environment;
}

function readWrapMechanisms(r: ConfigReader, value: Json, field: string): WrapMechanismOverrides {
  const overrides: WrapMechanismOverrides = {};
  const given = r.object(value, field, wrapFormats) ?? {};
  for (const format of wrapFormats.filter((known) => given[known] !== undefined)) {
    const setting = given[format];
    const at = join(field, format);
    if (setting === 'none') {
      overrides[format] = 'none';
      continue;
    }
    const number = typeof setting === 'string' && MECHANISM.test(setting) ? Number.parseInt(setting, 16) : undefined;
    if (number === undefined) {
      r.report(at, `must be a PKCS#11 mechanism number in hex such as "0x80000171" (the vendor mechanism that implements ${format}), or "none" to keep this member off ${format}`);
      continue;
    }
    const standard = STANDARD_FORMAT_OF.get(number);
    if (standard === 'aes-kw') {
      r.report(at, 'is CKM_AES_KEY_WRAP (RFC 3394 without padding), which cannot carry private keys: name the mechanism that implements the format with padding');
      continue;
    }
    if (standard !== undefined && standard !== format) {
      r.report(at, `is the standard mechanism of ${standard}, not of ${format}: name the mechanism that implements ${format}`);
      continue;
    }
    overrides[format] = number;
  }
  return overrides;
}

/** Two members served by one process must not need different values of one variable (a module reads it once). */
export function environmentClashes(members: ReadonlyArray<{ id: string; field: string; environment?: Record<string, string> }>): Array<{ field: string; other: string }> {
  const seen = new Map<string, { member: string; value: string }>();
  const clashes: Array<{ field: string; other: string }> = [];
  for (const member of members) {
    for (const [name, value] of Object.entries(member.environment ?? {})) {
      const earlier = seen.get(name);
      if (earlier && earlier.value !== value) clashes.push({ field: join(join(member.field, 'environment'), name), other: earlier.member });
      else if (!earlier) seen.set(name, { member: member.id, value });
    }
  }
  return clashes;
}

// SoftHSM2 helpers for the embedded demo and the tests: a private config file, a tokens folder,
// and token initialisation through softhsm2-util.
//
// SoftHSM reads SOFTHSM2_CONF when the module is C_Initialize'd, so a process must set
// `process.env.SOFTHSM2_CONF = setup.confPath` BEFORE its first openToken() on that module.
// SoftHSM also lists tokens only as they were at C_Initialize: this layer initializes a module when
// the process's first token of it opens and finalizes it when the last closes, so create tokens
// before opening any, or close them all before opening a token created since.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HsmError } from './errors';

export interface SoftHsmSetup {
  confPath: string;
  tokensDir: string;
  modulePath: string;
}

const KNOWN_MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export function findSoftHsmModule(): string {
  const fromEnv = process.env.KEYSYNC_SOFTHSM_MODULE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new HsmError('module-not-found', `KEYSYNC_SOFTHSM_MODULE points to ${fromEnv}, which does not exist: fix the variable or unset it.`);
    }
    return fromEnv;
  }
  const found = KNOWN_MODULE_PATHS.find((path) => existsSync(path));
  if (!found) {
    throw new HsmError(
      'module-not-found',
      `SoftHSM2 is not installed (looked in ${KNOWN_MODULE_PATHS.join(', ')}): install it (Debian: apt-get install softhsm2) or set KEYSYNC_SOFTHSM_MODULE to libsofthsm2.so.`,
    );
  }
  return found;
}

export function prepareSoftHsm(dir: string): SoftHsmSetup {
  const tokensDir = join(dir, 'tokens');
  const confPath = join(dir, 'softhsm2.conf');
  mkdirSync(tokensDir, { recursive: true });
  writeFileSync(confPath, `directories.tokendir = ${tokensDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  return { confPath, tokensDir, modulePath: findSoftHsmModule() };
}

// softhsm2-util --free picks the free slot by reading the tokens folder: two at once in one folder
// race for the same slot, so initialisations are queued per configuration file.
const initQueues = new Map<string, Promise<unknown>>();

export async function initSoftHsmToken(setup: SoftHsmSetup, label: string, userPin: string, soPin: string): Promise<void> {
  const previous = initQueues.get(setup.confPath) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => runInitToken(setup, label, userPin, soPin));
  initQueues.set(setup.confPath, next);
  return next;
}

async function runInitToken(setup: SoftHsmSetup, label: string, userPin: string, soPin: string): Promise<void> {
  const args = ['--init-token', '--free', '--label', label, '--pin', userPin, '--so-pin', soPin, '--module', setup.modulePath];
  await new Promise<void>((resolve, reject) => {
    execFile('softhsm2-util', args, { env: { ...process.env, SOFTHSM2_CONF: setup.confPath } }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      // The command line holds the PINs: report only the label and softhsm2-util's own words.
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const detail = missing ? 'softhsm2-util is not installed (Debian: apt-get install softhsm2)' : redact(stderr.trim().replace(/\.+$/, ''), [userPin, soPin]) || `exit code ${String(error.code)}`;
      reject(new HsmError('device-error', `Could not initialise SoftHSM token "${label}" in ${setup.tokensDir}: ${detail}.`));
    });
  });
}

function redact(text: string, secrets: string[]): string {
  return secrets.filter((secret) => secret.length > 0).reduce((out, secret) => out.split(secret).join('***'), text);
}

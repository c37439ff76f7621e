// One place that makes fresh tokens on each PKCS#11 implementation KeySync is tested on, for the
// tests and the demo: SoftHSM (softhsm2.conf and softhsm2-util), Kryoptic (a KRYOPTIC_CONF file
// with SQLite slots, then C_InitToken and C_InitPIN) and NSS softoken (database folders named in
// the library parameters, then the SO's empty-PIN login and C_InitPIN). It returns what a member's
// configuration must say for its module: the path, the environment it reads, its parameters.
// Every implementation reads its configuration at C_Initialize, so all tokens a process will use
// are made in one call, before any of them is opened.
import { randomBytes } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { HsmError, toHsmError } from './errors';
import { findKryopticModule, KRYOPTIC_MIN_PIN_LENGTH, requireKryopticModule, writeKryopticConf } from './kryoptic';
import { acquireModule, moduleInUse } from './module-registry';
import { findNssSoftokenModule, nssLibraryParameters, requireNssSoftokenModule } from './nss-softoken';
import { asUlong } from './session';
import { findSoftHsmModule, initSoftHsmToken, prepareSoftHsm } from './softhsm';

export const hsmImplementations = ['softhsm', 'kryoptic', 'nss'] as const;
export type HsmImplementation = (typeof hsmImplementations)[number];

export interface TokenToProvision {
  label: string;
  /** At least 8 characters (Kryoptic's minimum), so one PIN policy fits every implementation. */
  userPin: string;
  /** Default: a random one, never told (NSS ignores it: its SO PIN is empty until set). */
  soPin?: string;
}

/** What a member's configuration says for tokens made here: module, the environment it reads, its parameters. */
export interface ProvisionedModule {
  implementation: HsmImplementation;
  pkcs11Module: string;
  /** Variables the module reads at C_Initialize (SOFTHSM2_CONF, KRYOPTIC_CONF): set them before the first token opens. */
  environment: Record<string, string>;
  pkcs11LibraryParameters?: string;
}

/** Why an implementation cannot run on this machine (what to install), or null when it can. */
export function implementationUnavailable(implementation: HsmImplementation, env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    if (implementation === 'softhsm') findSoftHsmModule();
    if (implementation === 'kryoptic' && !findKryopticModule(env)) requireKryopticModule(env);
    if (implementation === 'nss' && !findNssSoftokenModule(env)) requireNssSoftokenModule(env);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function provisionTokens(implementation: HsmImplementation, dir: string, tokens: readonly TokenToProvision[]): Promise<ProvisionedModule> {
  for (const token of tokens) {
    if (token.userPin.length < KRYOPTIC_MIN_PIN_LENGTH) throw new HsmError('invalid-data', `The PIN of token "${token.label}" must have at least ${KRYOPTIC_MIN_PIN_LENGTH} characters.`);
  }
  if (implementation === 'softhsm') {
    const setup = prepareSoftHsm(dir);
    for (const token of tokens) await initSoftHsmToken(setup, token.label, token.userPin, token.soPin ?? randomPin());
    return { implementation, pkcs11Module: setup.modulePath, environment: { SOFTHSM2_CONF: setup.confPath } };
  }
  if (implementation === 'kryoptic') {
    const pkcs11Module = requireKryopticModule();
    if (moduleInUse(pkcs11Module)) throw notWhileOpen('Kryoptic', 'KRYOPTIC_CONF');
    const confPath = writeKryopticConf(dir, tokens.length);
    process.env.KRYOPTIC_CONF = confPath;
    withModule(pkcs11Module, undefined, (lib) => {
      const slots = lib.C_GetSlotList(false);
      tokens.forEach((token, index) => {
        const slot = slots.find((candidate) => asUlong(candidate) === index + 1);
        if (!slot) throw new HsmError('token-not-found', `Kryoptic shows no slot ${index + 1} for token "${token.label}": check ${confPath}.`);
        const soPin = token.soPin ?? randomPin();
        lib.C_InitToken(slot, soPin, paddedLabel(token.label));
        setUserPin(lib, slot, soPin, token.userPin);
      });
    });
    return { implementation, pkcs11Module, environment: { KRYOPTIC_CONF: confPath } };
  }
  const pkcs11Module = requireNssSoftokenModule();
  if (moduleInUse(pkcs11Module)) throw notWhileOpen('NSS softoken', 'its library parameters');
  const pkcs11LibraryParameters = nssLibraryParameters(dir, tokens.map((token) => token.label));
  withModule(pkcs11Module, pkcs11LibraryParameters, (lib) => {
    for (const token of tokens) {
      const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trimEnd() === token.label);
      if (!slot) throw new HsmError('token-not-found', `NSS softoken shows no token "${token.label}" for its parameters.`);
      // A new NSS database has an empty SO PIN: the SO logs in with it to set the user PIN.
      setUserPin(lib, slot, '', token.userPin);
    }
  });
  return { implementation, pkcs11Module, environment: {}, pkcs11LibraryParameters };
}

function withModule(modulePath: string, libraryParameters: string | undefined, use: (lib: pkcs11.PKCS11) => void): void {
  const lease = acquireModule(modulePath, libraryParameters);
  try {
    use(lease.lib);
  } catch (error) {
    throw toHsmError(error, 'provision tokens', modulePath);
  } finally {
    lease.release();
  }
}

function setUserPin(lib: pkcs11.PKCS11, slot: Buffer, soPin: string, userPin: string): void {
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    lib.C_Login(session, pkcs11.CKU_SO, soPin);
    lib.C_InitPIN(session, userPin);
    lib.C_Logout(session);
  } finally {
    lib.C_CloseSession(session);
  }
}

/** CK_TOKEN_INFO labels are 32 bytes blank padded; pkcs11js passes the string as it is. */
function paddedLabel(label: string): string {
  if (Buffer.byteLength(label, 'utf8') > 32) throw new HsmError('invalid-data', `Token label "${label}" is longer than 32 bytes.`);
  return label + ' '.repeat(32 - Buffer.byteLength(label, 'utf8'));
}

function randomPin(): string {
  return randomBytes(12).toString('hex');
}

function notWhileOpen(what: string, setting: string): HsmError {
  return new HsmError('unsupported', `${what} already has open tokens in this process, and reads ${setting} only when it is first initialized: make every token the process needs in one call, before opening any.`);
}

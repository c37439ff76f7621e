// Typed errors of the HSM layer. PKCS#11 failures are mapped by their CKR_* code (never by
// message text) to a few kinds with a `retryable` flag that activities turn into Temporal
// failures. No message ever carries a PIN or key bytes: only labels, ids, codes and advice.
import * as pkcs11 from 'pkcs11js';
import { PackageRejectedError } from '../package-format';

// The package codec's rejection lives apart from PKCS#11 (the API reads packages too); callers of
// this layer get it from here along with HsmError.
export { PackageRejectedError };
export type { PackageRejectionReason } from '../package-format';

export type HsmErrorKind =
  | 'module-not-found'
  | 'token-not-found'
  | 'pin-unavailable'
  | 'pin-incorrect'
  | 'pin-locked'
  | 'device-error'
  | 'session'
  | 'key-not-found'
  | 'already-exists'
  | 'not-exportable'
  | 'invalid-data'
  | 'unsupported';

const RETRYABLE_KINDS: ReadonlySet<HsmErrorKind> = new Set(['device-error', 'session']);

export class HsmError extends Error {
  override readonly name = 'HsmError';
  readonly retryable: boolean;
  /** The PKCS#11 return value when the error came from the module. */
  readonly ckr?: { code: number; name: string };

  constructor(
    readonly kind: HsmErrorKind,
    message: string,
    options: { ckr?: { code: number; name: string }; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = RETRYABLE_KINDS.has(kind);
    if (options.ckr) this.ckr = options.ckr;
  }
}

// Under some ESM interop layers (vitest) the namespace's constants are only on its `default`.
const pkcs11Exports: object = { ...((pkcs11 as { default?: object }).default ?? {}), ...pkcs11 };
const CKR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(pkcs11Exports)
    .filter((entry): entry is [string, number] => entry[0].startsWith('CKR_') && typeof entry[1] === 'number')
    .map(([name, code]) => [code, name]),
);

export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16).padStart(8, '0')}`;
}

function codeSet(...codes: number[]): ReadonlySet<number> {
  return new Set(codes);
}

const PIN_INCORRECT = codeSet(pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE);
const PIN_LOCKED = codeSet(pkcs11.CKR_PIN_LOCKED, pkcs11.CKR_PIN_EXPIRED);
const SESSION = codeSet(
  pkcs11.CKR_SESSION_HANDLE_INVALID,
  pkcs11.CKR_SESSION_CLOSED,
  pkcs11.CKR_SESSION_COUNT,
  pkcs11.CKR_USER_NOT_LOGGED_IN,
  pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED,
  pkcs11.CKR_OPERATION_ACTIVE,
  pkcs11.CKR_SLOT_ID_INVALID,
);
const DEVICE = codeSet(
  pkcs11.CKR_DEVICE_ERROR,
  pkcs11.CKR_DEVICE_MEMORY,
  pkcs11.CKR_DEVICE_REMOVED,
  pkcs11.CKR_TOKEN_NOT_PRESENT,
  pkcs11.CKR_GENERAL_ERROR,
  pkcs11.CKR_HOST_MEMORY,
  pkcs11.CKR_FUNCTION_FAILED,
  pkcs11.CKR_CANT_LOCK,
);
const KEY_NOT_FOUND = codeSet(pkcs11.CKR_OBJECT_HANDLE_INVALID, pkcs11.CKR_KEY_HANDLE_INVALID);
const NOT_EXPORTABLE = codeSet(pkcs11.CKR_KEY_UNEXTRACTABLE, pkcs11.CKR_KEY_NOT_WRAPPABLE);
const INVALID_DATA = codeSet(
  pkcs11.CKR_WRAPPED_KEY_INVALID,
  pkcs11.CKR_WRAPPED_KEY_LEN_RANGE,
  pkcs11.CKR_ENCRYPTED_DATA_INVALID,
  pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE,
  pkcs11.CKR_DATA_LEN_RANGE,
  pkcs11.CKR_SIGNATURE_INVALID,
);

const ADVICE: Record<HsmErrorKind, string> = {
  'module-not-found': 'check the PKCS#11 module path in the member configuration',
  'token-not-found': 'check the token label in the member configuration',
  'pin-unavailable': 'check the PIN source (environment variable or file) in the member configuration',
  'pin-incorrect': 'check the PIN source of this member; repeated wrong PINs lock the token',
  'pin-locked': 'the user PIN is locked or expired: the security officer must reset it',
  'device-error': 'the HSM reported a fault; the operation can be retried',
  session: 'the session or login was lost; the operation can be retried',
  'key-not-found': 'the key object is gone from the token; refresh the inventory',
  'already-exists': 'an object with that identity already exists on the token',
  'not-exportable': 'the key has CKA_EXTRACTABLE false and cannot be wrapped',
  'invalid-data': 'the data given to the HSM is invalid or corrupted',
  unsupported: 'this module does not support the operation, mechanism or attributes asked for',
};

export function kindOfCkr(code: number): HsmErrorKind {
  if (PIN_INCORRECT.has(code)) return 'pin-incorrect';
  if (PIN_LOCKED.has(code)) return 'pin-locked';
  if (SESSION.has(code)) return 'session';
  if (DEVICE.has(code)) return 'device-error';
  if (KEY_NOT_FOUND.has(code)) return 'key-not-found';
  if (NOT_EXPORTABLE.has(code)) return 'not-exportable';
  if (INVALID_DATA.has(code)) return 'invalid-data';
  return 'unsupported';
}

/**
 * The CKR code of a failed PKCS#11 call, or undefined for anything else. pkcs11js (2.1.7) wraps its
 * native errors in Pkcs11Error, except for the calls it overrides in JavaScript (C_SetAttributeValue,
 * C_CreateObject, C_CopyObject: measured on SoftHSM), which throw a plain Error whose message is
 * "CKR_NAME:code". Both are the module's answer, so both are read here, in one place.
 */
export function ckrCodeOf(error: unknown): number | undefined {
  if (error instanceof pkcs11.Pkcs11Error) return error.code;
  const match = error instanceof Error ? /^CKR_[A-Z0-9_]+:(\d+)$/.exec(error.message) : null;
  return match ? Number(match[1]) : undefined;
}

/** True when the module answered the call with a CKR code (as opposed to a bug or a bad argument on our side). */
export function isPkcs11Failure(error: unknown): boolean {
  return ckrCodeOf(error) !== undefined;
}

export function hasCkr(error: unknown, code: number): boolean {
  return ckrCodeOf(error) === code;
}

/**
 * Turns whatever a PKCS#11 call threw into an HsmError that says which operation failed on which
 * token, the CKR name, and what to do. The native message is not reused: it is only the code name.
 */
export function toHsmError(error: unknown, operation: string, tokenLabel: string): HsmError | PackageRejectedError {
  if (error instanceof HsmError || error instanceof PackageRejectedError) return error;
  const where = `${operation} on token "${tokenLabel}"`;
  const code = ckrCodeOf(error);
  if (code !== undefined) {
    const kind = kindOfCkr(code);
    const name = ckrName(code);
    return new HsmError(kind, `${where} failed with ${name}: ${ADVICE[kind]}.`, { ckr: { code, name } });
  }
  const detail = error instanceof Error ? error.name : typeof error;
  return new HsmError('device-error', `${where} failed (${detail}): ${ADVICE['device-error']}.`, { cause: error });
}

export function adviceFor(kind: HsmErrorKind): string {
  return ADVICE[kind];
}

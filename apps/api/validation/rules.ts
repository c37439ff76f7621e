// Every rule a string field of the API must meet, each written once: the field decorators
// (fields.ts) both validate a field with its rule and state it in the OpenAPI document, so the
// spec says exactly what the server accepts and a schema-driven client is never refused for a
// rule it could not see.

export interface StringRule {
  /** Anchored (^...$), in the syntax JavaScript and JSON Schema share. */
  pattern?: RegExp;
  minLength: number;
  maxLength: number;
  /** Why a value was refused, phrased to follow the field's name: "cluster must be ...". */
  reason: string;
}

/** Cluster and member ids: what a Temporal workflow id and a task queue name can safely hold. */
export const idRule: StringRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
  minLength: 1,
  maxLength: 64,
  reason: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
};

/** The member of an approval: a member id, or `*` for an operation approved once for every member (a retire). */
export const approvalMemberRule: StringRule = {
  pattern: /^(?:\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/,
  minLength: 1,
  maxLength: 64,
  reason: 'must be a member id (1-64 letters, digits, ".", "_" or "-", starting with a letter or digit), or * for a retire',
};

/** A key's CKA_ID, hex: whole bytes, so an even number of digits. */
export const keyIdRule: StringRule = {
  pattern: /^(?:[0-9a-fA-F]{2}){1,64}$/,
  minLength: 2,
  maxLength: 128,
  reason: 'must be an even number of hex digits (a CKA_ID), at most 128',
};

/** A package's SHA-256, as the package store names it. */
export const digestRule: StringRule = {
  pattern: /^[0-9a-f]{64}$/,
  minLength: 64,
  maxLength: 64,
  reason: 'must be a SHA-256 digest: 64 lower-case hex digits',
};

/** Ed25519 signatures are 64 bytes: 86 base64 characters and the padding "==". */
export const signatureRule: StringRule = {
  pattern: /^[A-Za-z0-9+/]{86}==$/,
  minLength: 88,
  maxLength: 88,
  reason: 'must be a 64-byte Ed25519 signature in base64 (88 characters)',
};

/** Why an operation was started, approved or uploaded: recorded in histories and audit trails. */
export const reasonRule: StringRule = {
  minLength: 1,
  maxLength: 500,
  reason: 'must be 1-500 characters',
};

/** Printable ASCII without spaces: safe to hash into a workflow id and to log. */
export const idempotencyKeyRule: StringRule = {
  pattern: /^[\x21-\x7e]{1,200}$/,
  minLength: 1,
  maxLength: 200,
  reason: 'must be 1-200 printable ASCII characters',
};

/** base64url without padding (RFC 4648 section 5), as WebAuthn's binary fields travel: `what` names the field's content. */
function base64urlRule(minLength: number, maxLength: number, what: string): StringRule {
  return { pattern: /^[A-Za-z0-9_-]+$/, minLength, maxLength, reason: `must be ${what} in base64url without padding (${minLength}-${maxLength} characters)` };
}

/** A WebAuthn credential id: 16 to 1023 bytes (WebAuthn Level 2 section 5.1). */
export const credentialIdRule = base64urlRule(22, 1364, 'a security key credential id');
export const authenticatorDataRule = base64urlRule(50, 8192, 'the authenticator data');
export const clientDataJsonRule = base64urlRule(20, 8192, 'the client data JSON');
/** A DER ECDSA P-256 signature is 8 to 72 bytes. */
export const webauthnSignatureRule = base64urlRule(11, 96, 'the DER ECDSA signature');
export const attestationObjectRule = base64urlRule(100, 16384, 'the attestation object');

/** A security key's name, as its owner calls it: shown to admins who confirm it. */
export const credentialNameRule: StringRule = {
  pattern: /^[ -~\u00a0-\uffff]+$/,
  minLength: 1,
  maxLength: 100,
  reason: 'must be 1-100 characters without control characters',
};

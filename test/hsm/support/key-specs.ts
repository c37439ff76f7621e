// Every key type KeySync syncs (DESIGN 3), as generateKey specs: the tests that move keys between
// tokens (key-transfer on one host, the cluster across hosts) use this one list.
import type { KeySelector, Token } from '../../../libs/hsm';

export type KeySpec = Parameters<Token['generateKey']>[0];

export const KEY_SPECS: KeySpec[] = [
  { keyType: 'rsa', size: 2048, label: 'rsa-2048', id: 'a1' },
  { keyType: 'rsa', size: 3072, label: 'rsa-3072', id: 'a2' },
  { keyType: 'rsa', size: 4096, label: 'rsa-4096', id: 'a3' },
  { keyType: 'ec', curve: 'P-256', label: 'ec-p256', id: 'b1' },
  { keyType: 'ec', curve: 'P-384', label: 'ec-p384', id: 'b2' },
  { keyType: 'ec', curve: 'P-521', label: 'ec-p521', id: 'b3' },
  { keyType: 'aes', size: 128, label: 'aes-128', id: 'c1' },
  { keyType: 'aes', size: 192, label: 'aes-192', id: 'c2' },
  { keyType: 'aes', size: 256, label: 'aes-256', id: 'c3' },
  { keyType: 'generic-secret', size: 256, label: 'hmac-256', id: 'd1' },
];

/** Key pairs that also get a certificate object, as a CA stores one after issuance. */
export const WITH_CERTIFICATE = ['a1', 'b1'];

export const selectorOf = (spec: KeySpec): KeySelector => ({ class: spec.keyType === 'rsa' || spec.keyType === 'ec' ? 'private' : 'secret', id: spec.id });

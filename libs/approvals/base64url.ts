// Strict base64url (RFC 4648 section 5, no padding), the encoding WebAuthn and the contract of
// DESIGN 14 use for every binary field. Runs in the workflow sandbox (no Buffer): decoding maps
// onto the strict standard-alphabet decoder, so a non-canonical text is refused (null) there too.
import { decodeBase64 } from './base64';

const base64urlText = /^[A-Za-z0-9_-]*$/;

export function decodeBase64url(text: string): Uint8Array | null {
  if (!base64urlText.test(text) || text.length % 4 === 1) return null;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function encodeBase64url(bytes: Uint8Array): string {
  let text = '';
  for (let index = 0; index < bytes.length; index += 3) {
    const chunk = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    const chars = index + 2 < bytes.length ? 4 : index + 1 < bytes.length ? 3 : 2;
    for (let position = 0; position < chars; position += 1) text += alphabet[(chunk >> (18 - 6 * position)) & 63];
  }
  return text;
}

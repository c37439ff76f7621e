// The pure choices the sync's pre-flight and the join make from the members' capabilities
// (libs/contract/hsm-capabilities.ts): a wrap format the source and the targets share, the join's
// OAEP hash, and whether a token can hold a key at all.
import { describe, expect, it } from 'vitest';
import { chooseOaepHash, chooseWrapFormat, keyNotHeldReason } from '../../libs/contract/hsm-capabilities';

describe('chooseWrapFormat', () => {
  it('takes the preferred format (aes-kwp) when the source and every target have it', () => {
    expect(chooseWrapFormat(['aes-kwp', 'aes-kw-pkcs7'], [{ member: 'nss', wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'] }, { member: 'softhsm', wrapFormats: ['aes-kwp'] }])).toEqual({ format: 'aes-kwp', unsupported: [] });
  });

  it('falls back to a format every target shares when the preferred one is missing somewhere', () => {
    expect(chooseWrapFormat(['aes-kwp', 'aes-kw-pkcs7'], [{ member: 'cloudhsm', wrapFormats: ['aes-kw-pkcs7'] }, { member: 'nss', wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'] }])).toEqual({ format: 'aes-kw-pkcs7', unsupported: [] });
  });

  it('names the targets that share nothing with the source, with what they have, and serves the others', () => {
    expect(chooseWrapFormat(['aes-kwp'], [{ member: 'old', wrapFormats: ['aes-kw-pkcs7'] }, { member: 'new', wrapFormats: ['aes-kwp'] }, { member: 'bare', wrapFormats: [] }])).toEqual({
      format: 'aes-kwp',
      unsupported: [
        { member: 'old', wrapFormats: ['aes-kw-pkcs7'] },
        { member: 'bare', wrapFormats: [] },
      ],
    });
  });

  it('when no single format serves everyone, takes the one serving the most targets (the preferred one on a tie)', () => {
    const source = ['aes-kwp', 'aes-kw-pkcs7'] as const;
    expect(chooseWrapFormat(source, [{ member: 'a', wrapFormats: ['aes-kw-pkcs7'] }, { member: 'b', wrapFormats: ['aes-kw-pkcs7'] }, { member: 'c', wrapFormats: ['aes-kwp'] }])).toEqual({
      format: 'aes-kw-pkcs7',
      unsupported: [{ member: 'c', wrapFormats: ['aes-kwp'] }],
    });
    expect(chooseWrapFormat(source, [{ member: 'a', wrapFormats: ['aes-kw-pkcs7'] }, { member: 'c', wrapFormats: ['aes-kwp'] }]).format).toBe('aes-kwp');
  });

  it('gives no format when the source can wrap in none, or no target shares one', () => {
    expect(chooseWrapFormat([], [{ member: 'a', wrapFormats: ['aes-kwp'] }])).toEqual({ format: null, unsupported: [{ member: 'a', wrapFormats: ['aes-kwp'] }] });
    expect(chooseWrapFormat(['aes-kwp'], [{ member: 'a', wrapFormats: ['aes-kw-pkcs7'] }]).format).toBeNull();
  });
});

describe('chooseOaepHash', () => {
  it('is SHA-256 when both tokens have it, SHA-1 when one lacks it (SoftHSM), and null when they share none', () => {
    expect(chooseOaepHash(['sha256', 'sha1'], ['sha256', 'sha1'])).toBe('sha256');
    expect(chooseOaepHash(['sha256', 'sha1'], ['sha1'])).toBe('sha1');
    expect(chooseOaepHash(['sha1'], ['sha256', 'sha1'])).toBe('sha1');
    expect(chooseOaepHash(['sha256'], ['sha1'])).toBeNull();
    expect(chooseOaepHash([], ['sha1'])).toBeNull();
  });
});

describe('keyNotHeldReason', () => {
  const capabilities = { curves: ['P-256', 'P-384'] as const, rsaSizes: { min: 1024, max: 4096 }, hmac: true };
  it('names a curve the token lacks and an RSA size outside its range, and nothing for keys it can hold', () => {
    expect(keyNotHeldReason({ ...capabilities, curves: [...capabilities.curves] }, { keyType: 'ec', curve: 'P-521' })).toBe('no EC curve P-521 (it has P-256, P-384)');
    expect(keyNotHeldReason({ ...capabilities, curves: [...capabilities.curves] }, { keyType: 'rsa', size: 8192 })).toBe('no RSA-8192 (it holds 1024 to 4096 bits)');
    expect(keyNotHeldReason({ ...capabilities, curves: [...capabilities.curves] }, { keyType: 'ec', curve: 'P-256' })).toBeNull();
    expect(keyNotHeldReason({ ...capabilities, curves: [...capabilities.curves] }, { keyType: 'rsa', size: 2048 })).toBeNull();
    expect(keyNotHeldReason({ curves: [], rsaSizes: null, hmac: false }, { keyType: 'generic-secret', size: 256 })).toBe('no HMAC-SHA256 for generic secrets');
  });
});

// The pure choices of a sync's pre-flight over the members' capabilities (workflows/capability-plan.ts).
// No implementation run here lacks a curve or an RSA size, and the configuration has no way to take
// one away from a member, so a key a target cannot hold is proven here, on the pure function the
// keySync workflow runs; the workflow tests on real tokens cover the wrap format.
import { describe, expect, it } from 'vitest';
import type { TokenCapabilities } from '../../libs/contract/hsm-capabilities';
import type { KeyGroup } from '../../libs/contract/keys';
import { decideWrapFormat, keysNotHeld, tokenInUse, withoutKeysNotHeld } from '../../workflows/capability-plan';
import { planSync } from '../../workflows/plan';

const token = (overrides: Partial<TokenCapabilities>): TokenCapabilities => ({
  manufacturer: 'Kryoptic Project',
  model: 'v1',
  library: { manufacturer: 'Kryoptic', description: 'Kryoptic PKCS11 Module', version: '1.5', cryptokiVersion: '3.2' },
  firmwareVersion: '0.0',
  hardwareVersion: '0.0',
  wrapFormats: ['aes-kwp', 'aes-kw-pkcs7'],
  wrapMechanisms: { 'aes-kwp': '0x210B', 'aes-kw-pkcs7': '0x210C' },
  oaepHashes: ['sha256', 'sha1'],
  hmac: true,
  curves: ['P-256', 'P-384', 'P-521'],
  rsaSizes: { min: 1024, max: 8192 },
  ...overrides,
});
const softhsm = token({ manufacturer: 'SoftHSM project', model: 'SoftHSM v2', wrapFormats: ['aes-kwp'], wrapMechanisms: { 'aes-kwp': '0x210A' }, oaepHashes: ['sha1'] });
const pkcs7Only = token({ wrapFormats: ['aes-kw-pkcs7'], wrapMechanisms: { 'aes-kw-pkcs7': '0x210C' } });

const key = (id: string, overrides: Partial<KeyGroup>): KeyGroup => ({
  class: 'private',
  keyType: 'ec',
  curve: 'P-256',
  label: `key-${id}`,
  id,
  fingerprint: `f${id}`,
  usages: ['sign'],
  hasPublicKey: true,
  hasCertificate: false,
  exportable: true,
  ...overrides,
});

describe('decideWrapFormat', () => {
  it('prefers aes-kwp when the source and every target have it, and names each token’s own mechanism for it', () => {
    const decision = decideWrapFormat({ member: 'node1', capabilities: softhsm }, [{ member: 'node2', capabilities: token({}) }]);
    expect(decision).toEqual({ format: 'aes-kwp', unsupported: [] });
    expect(tokenInUse('node1', 'source', softhsm, decision.format)).toMatchObject({ manufacturer: 'SoftHSM project', wrapMechanism: '0x210A' });
    expect(tokenInUse('node2', 'target', token({}), decision.format)).toMatchObject({ wrapMechanism: '0x210B' });
  });

  it('fails alone a target that shares no format with the source, naming what it has and what the source wraps with', () => {
    const decision = decideWrapFormat({ member: 'node1', capabilities: softhsm }, [
      { member: 'node2', capabilities: pkcs7Only },
      { member: 'node3', capabilities: token({}) },
    ]);
    expect(decision.format).toBe('aes-kwp');
    expect(decision.unsupported).toEqual([
      {
        member: 'node2',
        detail:
          'node2 (Kryoptic Project v1, module Kryoptic PKCS11 Module 1.5) can unwrap aes-kw-pkcs7 only: it shares no wrap format with the source node1 (SoftHSM project SoftHSM v2, module Kryoptic PKCS11 Module 1.5), which wraps with aes-kwp; nothing was exported for it.',
      },
    ]);
  });

  it('chooses the format most targets share when none is shared by all, and names the target that lacks it', () => {
    const decision = decideWrapFormat({ member: 'node1', capabilities: token({}) }, [
      { member: 'node2', capabilities: pkcs7Only },
      { member: 'node3', capabilities: pkcs7Only },
      { member: 'node4', capabilities: softhsm },
    ]);
    expect(decision.format).toBe('aes-kw-pkcs7');
    expect(decision.unsupported.map((entry) => entry.member)).toEqual(['node4']);
    expect(decision.unsupported[0]!.detail).toContain('lacks aes-kw-pkcs7, the format the source node1 and the other targets share');
  });

  it('chooses nothing when no target shares a format with the source', () => {
    const decision = decideWrapFormat({ member: 'node1', capabilities: softhsm }, [{ member: 'node2', capabilities: pkcs7Only }]);
    expect(decision.format).toBeNull();
    expect(decision.unsupported.map((entry) => entry.member)).toEqual(['node2']);
  });
});

describe('keys a target cannot hold', () => {
  const source = [
    key('01', { curve: 'P-256' }),
    key('02', { curve: 'P-521' }),
    key('03', { keyType: 'rsa', curve: undefined, size: 4096 }),
    key('04', { class: 'secret', keyType: 'generic-secret', curve: undefined, size: 256, hasPublicKey: false }),
  ];
  const noP521 = token({ curves: ['P-256', 'P-384'], rsaSizes: { min: 1024, max: 2048 }, hmac: false });

  it('names each key and what the token lacks', () => {
    expect(keysNotHeld(noP521, source).map((entry) => [entry.id, entry.reason, entry.detail])).toEqual([
      ['02', 'unsupported-mechanism', 'no EC curve P-521 (it has P-256, P-384)'],
      ['03', 'unsupported-mechanism', 'no RSA-4096 (it holds 1024 to 2048 bits)'],
      ['04', 'unsupported-mechanism', 'no HMAC-SHA256 for generic secrets'],
    ]);
  });

  it('leaves a key out for the target that cannot hold it alone, and exports it still for another target that needs it', () => {
    const plan = planSync({ source: 'node1', targets: ['node2', 'node3'], inventories: { node1: source, node2: [], node3: [] } });
    const reduced = withoutKeysNotHeld(plan, source, { node2: noP521, node3: token({}) });
    expect(reduced.plan.targets.map((target) => [target.member, target.missing.map((entry) => entry.id)])).toEqual([
      ['node2', ['01']],
      ['node3', ['01', '02', '03', '04']],
    ]);
    expect(reduced.notHeld.node2!.map((entry) => entry.id)).toEqual(['02', '03', '04']);
    expect(reduced.notHeld.node3).toBeUndefined();
    expect(reduced.plan.selection.map((entry) => entry.id)).toEqual(['01', '02', '03', '04']);
  });

  it('does not export a key that only targets unable to hold it need, and keeps the plan of a target that reported nothing', () => {
    const plan = planSync({ source: 'node1', targets: ['node2', 'node3'], inventories: { node1: source, node2: [], node3: source } });
    const reduced = withoutKeysNotHeld(plan, source, { node2: noP521 });
    expect(reduced.plan.selection.map((entry) => entry.id)).toEqual(['01']);
    const unknown = withoutKeysNotHeld(planSync({ source: 'node1', targets: ['node2'], inventories: { node1: source, node2: null } }), source, {});
    expect(unknown.plan.selection).toHaveLength(4);
  });
});

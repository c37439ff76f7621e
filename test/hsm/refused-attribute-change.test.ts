// A module's refusal of C_SetAttributeValue or C_CreateObject is read as the module's answer, with
// its CKR code. pkcs11js (2.1.7) throws a plain Error for those calls (it overrides them in
// JavaScript), unlike the others' Pkcs11Error; before errors.ts read both, such a refusal became
// "device-error ... failed (Error)" and the import's tolerance of fixed usages never applied.
import * as pkcs11 from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ckrCodeOf, hasCkr, HsmError, toHsmError } from '../../libs/hsm/errors';
import { createHsmFixture } from './support/hsm-fixture';
import type { HsmFixture, TestTokenRef } from './support/hsm-fixture';

/** PKCS#11 3.0's CKR_ACTION_PROHIBITED, which pkcs11js does not name. */
const CKR_ACTION_PROHIBITED = 0x1b;

let fixture: HsmFixture;
let ref: TestTokenRef;
const lib = new pkcs11.PKCS11();
let session: Buffer;

beforeAll(async () => {
  fixture = createHsmFixture('softhsm', 'refusal');
  ref = (await fixture.createTokens(['refusal']))[0]!;
  lib.load(ref.pkcs11Module);
  lib.C_Initialize();
  const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trim() === 'refusal')!;
  session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  lib.C_Login(session, pkcs11.CKU_USER, ref.pinValue);
});

afterAll(async () => {
  lib.C_Finalize();
  await fixture.dispose();
});

describe('a refused attribute change on a real token', () => {
  it('is read with its CKR code and mapped to an HsmError that names it', () => {
    const fixed = lib.C_CreateObject(session, [
      { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_DATA },
      { type: pkcs11.CKA_TOKEN, value: false },
      { type: pkcs11.CKA_MODIFIABLE, value: false },
      { type: pkcs11.CKA_LABEL, value: 'fixed' },
    ]);
    let refusal: unknown;
    try {
      lib.C_SetAttributeValue(session, fixed, [{ type: pkcs11.CKA_LABEL, value: 'renamed' }]);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(Error);
    const code = ckrCodeOf(refusal);
    expect([pkcs11.CKR_ATTRIBUTE_READ_ONLY, CKR_ACTION_PROHIBITED]).toContain(code);
    expect(hasCkr(refusal, code!)).toBe(true);
    const mapped = toHsmError(refusal, 'C_SetAttributeValue', 'refusal');
    expect(mapped).toBeInstanceOf(HsmError);
    expect((mapped as HsmError).kind).toBe('unsupported');
    expect(mapped.message).toMatch(/^C_SetAttributeValue on token "refusal" failed with CKR_/);
  });

  it('is not confused with a failure of our own (a TypeError, an unrelated Error)', () => {
    expect(ckrCodeOf(new TypeError('Parameter 1 MUST be Buffer'))).toBeUndefined();
    expect(ckrCodeOf(new Error('CKR_SOMETHING but not the shape'))).toBeUndefined();
    expect((toHsmError(new Error('boom'), 'C_SetAttributeValue', 'refusal') as HsmError).kind).toBe('device-error');
  });
});

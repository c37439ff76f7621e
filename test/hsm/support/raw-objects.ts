// Direct PKCS#11 access for tests that must simulate what KeySync never does itself, such as a
// crash that left half a key group. It joins the module this process already initialized and
// never finalizes it.
import * as pkcs11 from 'pkcs11js';
import type { TokenRef } from '../../../libs/hsm';

export function destroyObjects(ref: TokenRef & { pinValue: string }, objectClass: number, idHex: string): number {
  const lib = new pkcs11.PKCS11();
  lib.load(ref.pkcs11Module);
  try {
    lib.C_Initialize();
  } catch (error) {
    if (!(error instanceof pkcs11.Pkcs11Error && error.code === pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
  }
  const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trimEnd() === ref.tokenLabel);
  if (!slot) throw new Error(`token ${ref.tokenLabel} not found`);
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    try {
      lib.C_Login(session, pkcs11.CKU_USER, ref.pinValue);
    } catch (error) {
      if (!(error instanceof pkcs11.Pkcs11Error && error.code === pkcs11.CKR_USER_ALREADY_LOGGED_IN)) throw error;
    }
    lib.C_FindObjectsInit(session, [
      { type: pkcs11.CKA_CLASS, value: objectClass },
      { type: pkcs11.CKA_ID, value: Buffer.from(idHex, 'hex') },
    ]);
    const handles = lib.C_FindObjects(session, 100);
    lib.C_FindObjectsFinal(session);
    for (const handle of handles) lib.C_DestroyObject(session, handle);
    return handles.length;
  } finally {
    lib.C_CloseSession(session);
  }
}

// Direct PKCS#11 access for tests that must simulate what KeySync never does itself, such as a
// crash that left half a key group, or writers that raced and left copies. It joins the module
// this process already initialized and never finalizes it.
import * as pkcs11 from 'pkcs11js';
import type { TokenRef } from '../../../libs/hsm';

type RawToken = TokenRef & { pinValue: string };

/** A logged-in read-write session of its own on the token, on the module this process already initialized. */
function openRawSession(ref: RawToken): { lib: pkcs11.PKCS11; session: Buffer } {
  const lib = new pkcs11.PKCS11();
  lib.load(ref.pkcs11Module);
  try {
    lib.C_Initialize(ref.pkcs11LibraryParameters !== undefined ? { libraryParameters: ref.pkcs11LibraryParameters } : undefined);
  } catch (error) {
    if (!(error instanceof pkcs11.Pkcs11Error && error.code === pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw error;
  }
  const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trimEnd() === ref.tokenLabel);
  if (!slot) throw new Error(`token ${ref.tokenLabel} not found`);
  const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
  try {
    lib.C_Login(session, pkcs11.CKU_USER, ref.pinValue);
  } catch (error) {
    if (!(error instanceof pkcs11.Pkcs11Error && error.code === pkcs11.CKR_USER_ALREADY_LOGGED_IN)) {
      lib.C_CloseSession(session);
      throw error;
    }
  }
  return { lib, session };
}

/** Runs `use` in a raw session of its own on the token, closed once `use` has settled. */
export async function inRawSession<T>(ref: RawToken, use: (lib: pkcs11.PKCS11, session: Buffer) => Promise<T>): Promise<T> {
  const { lib, session } = openRawSession(ref);
  try {
    return await use(lib, session);
  } finally {
    lib.C_CloseSession(session);
  }
}

/** Runs `use` in a raw session on the token, with the objects of that class and id. */
function withObjects<T>(ref: RawToken, objectClass: number, idHex: string, use: (lib: pkcs11.PKCS11, session: Buffer, handles: Buffer[]) => T): T {
  const { lib, session } = openRawSession(ref);
  try {
    lib.C_FindObjectsInit(session, [
      { type: pkcs11.CKA_CLASS, value: objectClass },
      { type: pkcs11.CKA_ID, value: Buffer.from(idHex, 'hex') },
    ]);
    const handles = lib.C_FindObjects(session, 100);
    lib.C_FindObjectsFinal(session);
    return use(lib, session, handles);
  } finally {
    lib.C_CloseSession(session);
  }
}

export function destroyObjects(ref: RawToken, objectClass: number, idHex: string): number {
  return withObjects(ref, objectClass, idHex, (lib, session, handles) => {
    for (const handle of handles) lib.C_DestroyObject(session, handle);
    return handles.length;
  });
}

/**
 * Makes `copies` more token objects from the first object of that class and id with C_CopyObject,
 * as two writers that both found a key absent would have: identical, or differing where `changes`
 * (e.g. another CKA_LABEL) says.
 */
export function copyObject(ref: RawToken, objectClass: number, idHex: string, copies: number, changes: pkcs11.Template = []): void {
  withObjects(ref, objectClass, idHex, (lib, session, handles) => {
    const [original] = handles;
    if (!original) throw new Error(`no object of class ${objectClass} with id ${idHex} on ${ref.tokenLabel}`);
    for (let index = 0; index < copies; index += 1) lib.C_CopyObject(session, original, [{ type: pkcs11.CKA_TOKEN, value: true }, ...changes]);
  });
}

/** Creates a token object from a raw template, as another application (or a half-finished import) would have. */
export function createRawObject(ref: RawToken, template: pkcs11.Template): void {
  withObjects(ref, pkcs11.CKO_DATA, '', (lib, session) => lib.C_CreateObject(session, template));
}

// Destroys one retired key group on a token (DESIGN 13): every certificate, key and public key
// object of that class and id whose public key (or, for a secret key, check value) is the retired
// key's fingerprint, identical copies included. Each object is recognised by its own identity, not
// by what else is on the token, and they go in an order that keeps the key recognisable while any
// part of it is left: certificates first, then the key, then the public key (an EC private key
// reads its fingerprint from its public key). So a crash at any point leaves either the whole key
// with fewer companions or an orphan public key, and a retry finds what is left and finishes it.
// Another key under that id (another fingerprint) is a conflict: nothing is touched.
import * as pkcs11 from 'pkcs11js';
import { sha256Hex } from '../digest';
import { readChildren, readTlv } from './der';
import type { KeyGroupReader } from './key-groups';
import type { Handle, HsmSession } from './session';
import { CKO_OF_CLASS } from './templates';
import type { KeyClass } from './types';

export interface RetiredKey {
  class: KeyClass;
  /** CKA_ID, lower-case hex. */
  id: string;
  fingerprint: string;
}

/** The objects of the retired key still on the token, by the class destroyed first. */
export interface RetiredObjects {
  certificates: Handle[];
  keys: Handle[];
  publics: Handle[];
  /** Fingerprints of other keys under the same class and id ('' when one cannot be read): a conflict. */
  otherKeys: string[];
}

export function retiredObjectCount(objects: RetiredObjects): number {
  return objects.certificates.length + objects.keys.length + objects.publics.length;
}

/** The objects that make up the retired key on this token, and any other key under its id. */
export function findRetiredObjects(session: HsmSession, reader: KeyGroupReader, key: RetiredKey): RetiredObjects {
  const fingerprint = key.fingerprint.toLowerCase();
  const located = reader.find({ class: key.class, id: key.id });
  const keys = located.filter((group) => group.fingerprint.toLowerCase() === fingerprint).map((group) => group.handle);
  const otherKeys = located.filter((group) => group.fingerprint.toLowerCase() !== fingerprint).map((group) => group.fingerprint);
  if (key.class !== 'private') return { certificates: [], keys, publics: [], otherKeys };
  const publics = reader.publicHandles(key.id).filter((handle) => {
    const der = reader.publicKeyDer(handle);
    return der !== undefined && sha256Hex(der) === fingerprint;
  });
  const certificates = reader.certificateHandles(key.id).filter((handle) => {
    const value = session.read(handle, [pkcs11.CKA_VALUE]).get(pkcs11.CKA_VALUE);
    const spki = value ? certificateSpki(value) : undefined;
    return spki !== undefined && sha256Hex(spki) === fingerprint;
  });
  return { certificates, keys, publics, otherKeys };
}

/**
 * Destroys what is left of the retired key, in the crash-safe order, and returns how many objects
 * went. The caller holds the member's write lock, so nothing recreates an object meanwhile.
 * `onDestroyed` runs after each object (an activity heartbeats there).
 */
export function destroyRetiredObjects(session: HsmSession, reader: KeyGroupReader, key: RetiredKey, objects: RetiredObjects, onDestroyed?: (done: number) => void): number {
  const steps: [number, Handle[]][] = [
    [pkcs11.CKO_CERTIFICATE, objects.certificates],
    [CKO_OF_CLASS[key.class], objects.keys],
    [pkcs11.CKO_PUBLIC_KEY, objects.publics],
  ];
  let done = 0;
  for (const [objectClass, handles] of steps) {
    for (const handle of handles) {
      session.destroy(handle);
      reader.destroyed(objectClass, key.id, handle);
      done += 1;
      onDestroyed?.(done);
    }
  }
  return done;
}

/** Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, ... } ... } */
function certificateSpki(certificateDer: Buffer): Buffer | undefined {
  try {
    const certificate = readTlv(certificateDer);
    const [tbs] = readChildren(certificate.content);
    if (certificate.tag !== 0x30 || !tbs || tbs.tag !== 0x30) return undefined;
    const fields = readChildren(tbs.content);
    const start = fields[0]?.tag === 0xa0 ? 1 : 0;
    const spki = fields[start + 5];
    return spki?.tag === 0x30 ? spki.der : undefined;
  } catch {
    // Not a certificate this code can read: never taken for the retired key's.
    return undefined;
  }
}

// What inventories compare of a key group's certificate objects (drift state `differs`, DESIGN
// 13): each certificate's SHA-256 and notBefore, the newest one reported, the other distinct ones
// counted (identical copies are duplicates.ts's business, not a difference).
import { X509Certificate } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { sha256Hex } from '../digest';
import type { Handle, HsmSession } from './session';
import type { CertificateFacts } from './types';

/** The facts of one certificate's DER; notBefore is empty when the DER is not an X.509 certificate node can read. */
export function certificateFacts(der: Buffer): CertificateFacts {
  let notBefore = '';
  try {
    notBefore = new Date(new X509Certificate(der).validFrom).toISOString();
  } catch {
    // An unreadable certificate still has a fingerprint, so it is still compared; it is just never the newest.
  }
  return { fingerprint: sha256Hex(der), notBefore };
}

/** The newest (latest notBefore) of these certificate objects, and how many other distinct ones there are. */
export function groupCertificateFacts(session: HsmSession, handles: readonly Handle[]): { certificate?: CertificateFacts; otherCertificates?: number } {
  const distinct = new Map<string, CertificateFacts>();
  for (const handle of handles) {
    const der = session.read(handle, [pkcs11.CKA_VALUE]).get(pkcs11.CKA_VALUE);
    if (!der) continue;
    const facts = certificateFacts(der);
    distinct.set(facts.fingerprint, facts);
  }
  const newest = [...distinct.values()].sort((a, b) => b.notBefore.localeCompare(a.notBefore) || a.fingerprint.localeCompare(b.fingerprint))[0];
  if (!newest) return {};
  return { certificate: newest, ...(distinct.size > 1 ? { otherCertificates: distinct.size - 1 } : {}) };
}

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

/**
 * The newest (latest notBefore) of these certificate objects, its handle (what an export packages,
 * so a sync sends the certificate its inventory reported), and how many other distinct ones there are.
 */
export function groupCertificateFacts(
  session: HsmSession,
  handles: readonly Handle[],
): { certificate?: CertificateFacts; certificateHandle?: Handle; otherCertificates?: number } {
  const distinct = new Map<string, { facts: CertificateFacts; handle: Handle }>();
  for (const handle of handles) {
    const der = session.read(handle, [pkcs11.CKA_VALUE]).get(pkcs11.CKA_VALUE);
    if (!der) continue;
    const facts = certificateFacts(der);
    if (!distinct.has(facts.fingerprint)) distinct.set(facts.fingerprint, { facts, handle });
  }
  const newest = [...distinct.values()].sort((a, b) => b.facts.notBefore.localeCompare(a.facts.notBefore) || a.facts.fingerprint.localeCompare(b.facts.fingerprint))[0];
  if (!newest) return {};
  return { certificate: newest.facts, certificateHandle: newest.handle, ...(distinct.size > 1 ? { otherCertificates: distinct.size - 1 } : {}) };
}

// The drift state `differs` (DESIGN 13): the same key (class, id and fingerprint) on two members,
// but with another label or another certificate object. Pure, one home for the rule: the
// workflows (drift, sync plans), the API's inventory and the CLI's table all apply it.
import type { CertificateFacts } from './keys';

export const keyDifferenceKinds = ['label', 'certificate'] as const;
export type KeyDifference = (typeof keyDifferenceKinds)[number];

/** What a member's copy of one key shows of its label and certificate. */
export interface HolderFacts {
  member: string;
  label: string;
  hasCertificate?: boolean;
  certificate?: CertificateFacts;
  otherCertificates?: number;
}

/** True when the certificate facts are known: no certificate, or one read by an agent that reports them. */
function certificateKnown(holder: HolderFacts): boolean {
  return holder.hasCertificate !== true || holder.certificate !== undefined;
}

const notBeforeOf = (holder: HolderFacts): number => {
  const parsed = holder.certificate ? Date.parse(holder.certificate.notBefore) : Number.NaN;
  return Number.isNaN(parsed) ? (holder.certificate ? 0 : -1) : parsed;
};

/**
 * The member the others are compared with: the one whose certificate is newest (latest
 * notBefore; a certificate beats none), without stale certificates beside it when one such holder
 * exists, then among those the most common label, then the first in the given order.
 * Deterministic for a given list.
 */
export function referenceHolder<T extends HolderFacts>(holders: readonly T[]): T | undefined {
  if (holders.length === 0) return undefined;
  const newest = Math.max(...holders.map(notBeforeOf));
  const newestHolders = holders.filter((holder) => notBeforeOf(holder) === newest);
  const clean = newestHolders.filter((holder) => (holder.otherCertificates ?? 0) === 0);
  const candidates = clean.length > 0 ? clean : newestHolders;
  const labelCount = (label: string): number => holders.filter((holder) => holder.label === label).length;
  let best = candidates[0];
  for (const candidate of candidates) if (best === undefined || labelCount(candidate.label) > labelCount(best.label)) best = candidate;
  return best;
}

/** How a member's copy differs from the reference's: its label, its certificate object (another, none, or stale ones beside it). */
export function differencesFrom(holder: HolderFacts, reference: HolderFacts): KeyDifference[] {
  const differences: KeyDifference[] = [];
  if (holder.label !== reference.label) differences.push('label');
  if (certificateKnown(holder) && certificateKnown(reference)) {
    const sameCertificate = holder.certificate?.fingerprint === reference.certificate?.fingerprint;
    if (!sameCertificate || (holder.otherCertificates ?? 0) > 0) differences.push('certificate');
  }
  return differences;
}

/** The certificate differences a sync from `source` fixes: the source has a certificate and the target another, none, or stale ones beside it. */
export function certificateToUpdate(target: HolderFacts, source: HolderFacts): boolean {
  if (source.certificate === undefined || !certificateKnown(target)) return false;
  return target.certificate?.fingerprint !== source.certificate.fingerprint || (target.otherCertificates ?? 0) > 0;
}

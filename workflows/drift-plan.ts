// What a drift watch does about the drift it found (DESIGN section 5, driftWatch). Pure, so unit
// tests cover it and the workflow stays deterministic.
import type { DriftEntry, DriftSyncRequest } from '../libs/contract/drift';
import { certificateToUpdate } from '../libs/contract/key-differences';
import type { ClusterSecretsKcv, KeyRef } from '../libs/contract/keys';

export interface DriftSyncPlan {
  syncs: DriftSyncRequest[];
  /** Missing somewhere, but no member that holds it can wrap it. */
  notExportable: KeyRef[];
}

const refOf = (entry: DriftEntry): KeyRef => ({
  class: entry.class,
  id: entry.id,
  label: entry.label,
  fingerprint: entry.holders[0]?.fingerprint ?? '',
});

/**
 * The keySyncs that bring every missing key to the members that lack it. A key is synced only
 * when every holder has the same key under its id (a conflict, even on another class with that
 * id, is never touched: keySync selects by CKA_ID). Sources are chosen greedily: the member that
 * can give the most of what is left, so one sync usually does it, and several when no member holds
 * everything. Member order breaks ties, so the plan is stable from run to run.
 */
export function planDriftSyncs(drift: readonly DriftEntry[], memberOrder: readonly string[]): DriftSyncPlan {
  const conflictingIds = new Set(drift.filter((entry) => entry.conflicting).map((entry) => entry.id));
  const notExportable: KeyRef[] = [];
  let open: DriftEntry[] = [];
  for (const entry of drift) {
    if (entry.conflicting || conflictingIds.has(entry.id) || entry.missingOn.length === 0) continue;
    if (entry.holders.some((holder) => holder.exportable)) open.push(entry);
    else notExportable.push(refOf(entry));
  }

  const syncs: DriftSyncRequest[] = [];
  while (open.length > 0) {
    let best: { source: string; entries: DriftEntry[] } | null = null;
    for (const member of memberOrder) {
      const entries = open.filter((entry) => entry.holders.some((holder) => holder.member === member && holder.exportable));
      if (entries.length > (best?.entries.length ?? 0)) best = { source: member, entries };
    }
    if (best === null) break; // holders outside memberOrder: nothing this plan may use
    const chosen = new Set(best.entries);
    const keyIds = [...new Set(best.entries.map((entry) => entry.id))].sort();
    const targets = memberOrder.filter((member) => best.entries.some((entry) => entry.missingOn.includes(member)));
    syncs.push({ source: best.source, keyIds, targets });
    open = open.filter((entry) => !chosen.has(entry));
  }
  return { syncs, notExportable };
}

/**
 * The keySyncs that heal certificate differences (drift state differs): from the holder of the
 * newest certificate (the entry's reference, when it can wrap the key) to the members whose
 * certificate is older, absent, or has stale ones beside it. Labels are never healed: a label
 * difference is reported only. One sync per source, members in cluster order.
 */
export function planCertificateSyncs(drift: readonly DriftEntry[], memberOrder: readonly string[]): DriftSyncRequest[] {
  const bySource = new Map<string, { keyIds: Set<string>; targets: Set<string> }>();
  for (const entry of drift) {
    if (entry.conflicting || entry.reference === undefined || (entry.differsOn ?? []).length === 0) continue;
    const reference = entry.holders.find((holder) => holder.member === entry.reference);
    if (!reference?.exportable || !reference.certificate) continue;
    const facts = (holder: DriftEntry['holders'][number]) => ({ ...holder, label: holder.label ?? entry.label });
    const targets = entry.holders.filter((holder) => holder.member !== reference.member && certificateToUpdate(facts(holder), facts(reference)));
    if (targets.length === 0) continue;
    const sync = bySource.get(reference.member) ?? { keyIds: new Set<string>(), targets: new Set<string>() };
    sync.keyIds.add(entry.id);
    for (const target of targets) sync.targets.add(target.member);
    bySource.set(reference.member, sync);
  }
  return memberOrder
    .filter((member) => bySource.has(member))
    .map((source) => {
      const sync = bySource.get(source) as { keyIds: Set<string>; targets: Set<string> };
      return { source, keyIds: [...sync.keyIds].sort(), targets: memberOrder.filter((member) => sync.targets.has(member)) };
    });
}

/**
 * The cluster's transfer secrets as most members that answered report them (member order breaks a
 * tie). A member with other secrets cannot import the cluster's packages.
 */
export function clusterKcv(reports: readonly { member: string; kcv: ClusterSecretsKcv | null }[]): ClusterSecretsKcv | null {
  const counts = new Map<string, { kcv: ClusterSecretsKcv; count: number }>();
  for (const { kcv } of reports) {
    if (kcv === null) continue;
    const key = kcvKey(kcv);
    const seen = counts.get(key) ?? { kcv, count: 0 };
    seen.count += 1;
    counts.set(key, seen);
  }
  let best: { kcv: ClusterSecretsKcv; count: number } | null = null;
  for (const candidate of counts.values()) if (candidate.count > (best?.count ?? 0)) best = candidate;
  return best?.kcv ?? null;
}

export function kcvKey(kcv: ClusterSecretsKcv): string {
  return `${kcv.ktkKcv.toLowerCase()}/${kcv.pmkKcv.toLowerCase()}`;
}

/**
 * The syncId of an automatic sync: derived from what it does, so a run that finds the same gap
 * while the previous run's sync still waits (for approvals, or a node) finds it running instead
 * of starting a second one. `kind` tells drift-watch syncs from availability syncs.
 */
export function automaticSyncId(kind: 'drift' | 'avail', request: DriftSyncRequest): string {
  const text = `${request.source}|${[...request.keyIds].sort().join(',')}|${[...request.targets].sort().join(',')}`;
  return `${kind}-${hash64(text)}`;
}

/** Two FNV-1a 32-bit passes with different offsets: a short, stable id, not a security digest. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    a = Math.imul(a ^ code, 0x01000193) >>> 0;
    b = Math.imul(b ^ code, 0x01000193) >>> 0;
    b = (b ^ (b >>> 13)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

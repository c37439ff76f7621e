// What a key sync has to do, from the inventories of the members (DESIGN sections 3 and 5). Pure:
// the keySync workflow runs it, and driftWatch, the API's inventory view and tests reuse it.
import type { DriftEntry } from '../libs/contract/drift';
import { certificateToUpdate, differencesFrom, referenceHolder } from '../libs/contract/key-differences';
import type { KeyGroup, KeyRef, KeySelector } from '../libs/contract/keys';
import type { KeyUpdateTarget } from '../libs/contract/operation-inputs';
import type { KeyConflict } from '../libs/contract/operations';

/** A member's inventory, or null when its agent did not answer in time (its needs are unknown). */
export type Inventories = Record<string, readonly KeyGroup[] | null>;

export interface TargetPlan {
  member: string;
  /** False when the member's agent did not answer: it is offered every selected key, and its import skips what it holds. */
  inventoryKnown: boolean;
  /** Keys of the selection this member lacks. */
  missing: KeyRef[];
  /** Same class + id as a selected key, another fingerprint: never exported for this member. */
  conflicts: KeyConflict[];
  /** Selected keys this member holds with identical surplus copies: packaged too, so its import removes them. */
  duplicated: KeyRef[];
  /**
   * Selected keys this member holds (same fingerprint) with another label or certificate than the
   * source (drift state differs), as far as the request's `updates` allow: packaged too, so its
   * import brings them to the source's. Empty when the request asks no updates.
   */
  differs: KeyUpdateTarget[];
}

/**
 * What a sync may update on keys a target already holds: labels and certificates (an operator's
 * sync), certificates only and only to a newer one (an automatic sync: drift heals a certificate
 * from the newest, never a label).
 */
export interface PlanUpdates {
  labels: boolean;
  certificates: boolean;
  newerCertificatesOnly?: boolean;
}

export interface SyncPlan {
  source: string;
  /** The union of what the targets lack: exported once, in one package. */
  selection: KeySelector[];
  /** Selected keys the source cannot wrap (CKA_EXTRACTABLE false): reported, never packaged. */
  notExportable: KeyRef[];
  /** Requested key ids that the source does not hold. */
  unknownKeyIds: string[];
  targets: TargetPlan[];
}

export interface PlanRequest {
  source: string;
  targets: readonly string[];
  /** CKA_IDs (hex) to sync; absent: every key on the source. */
  keyIds?: readonly string[];
  inventories: Inventories;
  /** Absent: keys a target holds are never updated (histories recorded before updates). */
  updates?: PlanUpdates;
}

const identity = (key: { class: string; id: string }): string => `${key.class}:${key.id.toLowerCase()}`;

export function keyRef(group: KeyGroup): KeyRef {
  return { class: group.class, id: group.id.toLowerCase(), label: group.label, fingerprint: group.fingerprint.toLowerCase() };
}

/** Source inventory restricted to the requested ids, in the source's order. */
function selectedSourceKeys(source: readonly KeyGroup[], keyIds: readonly string[] | undefined): KeyGroup[] {
  if (keyIds === undefined) return [...source];
  const wanted = new Set(keyIds.map((id) => id.toLowerCase()));
  return source.filter((group) => wanted.has(group.id.toLowerCase()));
}

export function planSync(request: PlanRequest): SyncPlan {
  const sourceInventory = request.inventories[request.source];
  if (sourceInventory === undefined || sourceInventory === null) {
    throw new Error(`the inventory of the source ${request.source} is required to plan a sync`);
  }
  const selected = selectedSourceKeys(sourceInventory, request.keyIds);
  const exportable = selected.filter((group) => group.exportable);
  const notExportable = selected.filter((group) => !group.exportable).map(keyRef);
  const held = new Set(sourceInventory.map((group) => group.id.toLowerCase()));
  const unknownKeyIds = (request.keyIds ?? []).map((id) => id.toLowerCase()).filter((id) => !held.has(id));

  const targets = request.targets.map((member): TargetPlan => {
    const inventory = request.inventories[member];
    if (inventory === undefined || inventory === null) {
      return { member, inventoryKnown: false, missing: exportable.map(keyRef), conflicts: [], duplicated: [], differs: [] };
    }
    const fingerprintsById = new Map<string, Set<string>>();
    const withCopies = new Set<string>();
    for (const group of inventory) {
      const key = identity(group);
      const set = fingerprintsById.get(key) ?? new Set<string>();
      set.add(group.fingerprint.toLowerCase());
      fingerprintsById.set(key, set);
      if ((group.duplicates ?? 0) > 0) withCopies.add(`${key}:${group.fingerprint.toLowerCase()}`);
    }
    const missing: KeyRef[] = [];
    const conflicts: KeyConflict[] = [];
    const duplicated: KeyRef[] = [];
    const differs: KeyUpdateTarget[] = [];
    for (const group of exportable) {
      const ref = keyRef(group);
      const present = fingerprintsById.get(identity(group));
      if (present === undefined) {
        missing.push(ref);
      } else if (!present.has(ref.fingerprint)) {
        conflicts.push({
          class: ref.class,
          id: ref.id,
          label: ref.label,
          sourceFingerprint: ref.fingerprint,
          memberFingerprint: [...present].sort().join(','),
        });
      } else {
        if (withCopies.has(`${identity(group)}:${ref.fingerprint}`)) duplicated.push(ref);
        const held = inventory.find((candidate) => identity(candidate) === identity(group) && candidate.fingerprint.toLowerCase() === ref.fingerprint);
        const update = request.updates && held ? updateFor(held, group, request.updates) : undefined;
        if (update) differs.push(update);
      }
    }
    return { member, inventoryKnown: true, missing, conflicts, duplicated, differs };
  });

  const needed = new Set(targets.flatMap((target) => [...target.missing, ...target.duplicated, ...target.differs].map(identity)));
  const selection = exportable
    .filter((group) => needed.has(identity(group)))
    .map((group): KeySelector => ({ class: group.class, id: group.id.toLowerCase() }));

  return { source: request.source, selection, notExportable, unknownKeyIds, targets };
}

/** The update a target's copy of a key needs to match the source's, within what `updates` allows; undefined when none. */
function updateFor(held: KeyGroup, source: KeyGroup, updates: PlanUpdates): KeyUpdateTarget | undefined {
  const target = { ...held, member: 'target' };
  const from = { ...source, member: 'source' };
  const label = updates.labels && held.label !== source.label;
  let certificate = updates.certificates && certificateToUpdate(target, from);
  if (certificate && updates.newerCertificatesOnly && held.certificate && held.certificate.fingerprint !== source.certificate?.fingerprint) {
    // An automatic sync never puts an older certificate over a newer one (the same one with stale ones beside it is completed).
    certificate = Date.parse(source.certificate?.notBefore ?? '') > Date.parse(held.certificate.notBefore);
  }
  if (!label && !certificate) return undefined;
  return { ...keyRef(source), ...(certificate && source.certificate ? { certificate: source.certificate.fingerprint } : {}) };
}

/**
 * Drift between members whose inventories are known: every key that is not held identically by
 * all of them. Keys in sync everywhere are left out, so an empty result means no drift.
 */
export function computeDrift(inventories: Inventories): DriftEntry[] {
  const members = Object.keys(inventories)
    .filter((member) => inventories[member] !== null && inventories[member] !== undefined)
    .sort();
  const byIdentity = new Map<string, DriftEntry>();
  for (const member of members) {
    for (const group of inventories[member] ?? []) {
      const key = identity(group);
      const entry = byIdentity.get(key) ?? {
        class: group.class,
        id: group.id.toLowerCase(),
        label: group.label,
        holders: [],
        missingOn: [],
        duplicatedOn: [],
        conflicting: false,
      };
      entry.holders.push({
        member,
        fingerprint: group.fingerprint.toLowerCase(),
        exportable: group.exportable,
        label: group.label,
        hasCertificate: group.hasCertificate,
        ...(group.certificate ? { certificate: group.certificate } : {}),
        ...(group.otherCertificates ? { otherCertificates: group.otherCertificates } : {}),
      });
      if ((group.duplicates ?? 0) > 0 && !entry.duplicatedOn.includes(member)) entry.duplicatedOn.push(member);
      byIdentity.set(key, entry);
    }
  }
  const drift: DriftEntry[] = [];
  for (const entry of byIdentity.values()) {
    const holding = new Set(entry.holders.map((holder) => holder.member));
    entry.missingOn = members.filter((member) => !holding.has(member));
    // An inventory folds identical copies, so a member listed twice holds copies that differ.
    entry.conflicting = new Set(entry.holders.map((holder) => holder.fingerprint)).size > 1 || holding.size < entry.holders.length;
    entry.differsOn = [];
    if (!entry.conflicting) {
      // The same key everywhere: its label and certificate object are compared with the reference holder's.
      const reference = referenceHolder(entry.holders.map((holder) => ({ ...holder, label: holder.label ?? entry.label })));
      if (reference) {
        entry.reference = reference.member;
        entry.label = reference.label;
        entry.differsOn = entry.holders.filter((holder) => differencesFrom({ ...holder, label: holder.label ?? entry.label }, reference).length > 0).map((holder) => holder.member);
      }
    }
    if (entry.missingOn.length > 0 || entry.conflicting || entry.duplicatedOn.length > 0 || entry.differsOn.length > 0) drift.push(entry);
  }
  return drift.sort((a, b) => identity(a).localeCompare(identity(b)));
}

// The inventory as rows of keys by members, drift marked: a key that some member lacks, holds
// with another fingerprint, holds in identical surplus copies (duplicated), or holds with another
// label or certificate than the reference member (differs). Computed here from each member's
// keys, so the CLI's table and the console's matrix say exactly what the members reported,
// whatever summary the API adds, and both say the same.
import type { InventoryPresence } from '../../libs/contract/cluster-inventory';
import { differencesFrom, referenceHolder } from '../../libs/contract/key-differences';
import type { KeyDifference } from '../../libs/contract/key-differences';
import type { components } from './openapi-types';

type InventoryKeyAnswer = components['schemas']['InventoryKeyDto'];
type ClusterInventory = components['schemas']['ClusterInventoryDto'];

/** A key as the table compares it: the API's own fields, id and fingerprint lower-cased. */
export type InventoryKey = Pick<
  InventoryKeyAnswer,
  'class' | 'id' | 'label' | 'keyType' | 'fingerprint' | 'exportable' | 'duplicates' | 'hasCertificate' | 'certificate' | 'otherCertificates'
>;

export interface MemberInventory {
  member: string;
  /** null when the member could not be asked (its agent is down). */
  keys: InventoryKey[] | null;
  /** Why the member could not be asked. */
  note?: string;
}

/** A cell of the table: the contract's inventory presences (`duplicated`: identical surplus copies, which `keysync repair` removes). */
export type Presence = InventoryPresence;

export interface InventoryRow {
  class: InventoryKey['class'];
  id: string;
  label: string;
  keyType: string;
  exportable: boolean;
  members: Record<string, Presence>;
  drift: boolean;
  /** Retired through KeySync and still on some member (those show `retired`; the others have let it go). */
  retired: boolean;
  /** Members showing `differs`: what differs from the reference member's copy. */
  differences: Record<string, KeyDifference[]>;
}

function keyOf(key: InventoryKeyAnswer): InventoryKey {
  const { class: keyClass, id, label, keyType, fingerprint, exportable, duplicates, hasCertificate, certificate, otherCertificates } = key;
  return {
    class: keyClass,
    id: id.toLowerCase(),
    label,
    keyType,
    fingerprint: fingerprint.toLowerCase(),
    exportable,
    hasCertificate,
    ...(duplicates ? { duplicates } : {}),
    ...(certificate ? { certificate } : {}),
    ...(otherCertificates ? { otherCertificates } : {}),
  };
}

/** Each member's keys from the API's inventory answer. */
export function readInventory(answer: ClusterInventory): MemberInventory[] {
  return answer.members.map(({ member, keys, error }) => ({ member, keys: keys === null ? null : keys.map(keyOf), ...(error ? { note: error.message } : {}) }));
}

/** The retired keys (a standing tombstone) the API reports, as `class:id:fingerprint`: members that still hold one show `retired`. */
export function readRetired(answer: ClusterInventory): Set<string> {
  return new Set((answer.retired ?? []).flatMap((entry) => entry.holders.map((holder) => `${entry.class}:${entry.id.toLowerCase()}:${holder.fingerprint.toLowerCase()}`)));
}

/**
 * One row per key (class + id); presence per member against the most common fingerprint. A retired
 * key still on a member is `retired` there and is not drift: nothing will sync it back.
 */
export function inventoryRows(members: MemberInventory[], retired: ReadonlySet<string> = new Set()): InventoryRow[] {
  const rows = new Map<string, { key: InventoryKey; held: Map<string, InventoryKey>; duplicated: Set<string> }>();
  for (const { member, keys } of members) {
    for (const key of keys ?? []) {
      const id = `${key.class}:${key.id}`;
      const row = rows.get(id) ?? { key, held: new Map<string, InventoryKey>(), duplicated: new Set<string>() };
      row.held.set(member, key);
      if ((key.duplicates ?? 0) > 0) row.duplicated.add(member);
      rows.set(id, row);
    }
  }
  return [...rows.values()]
    .map(({ key, held, duplicated }) => {
      const counts = new Map<string, number>();
      for (const copy of held.values()) counts.set(copy.fingerprint, (counts.get(copy.fingerprint) ?? 0) + 1);
      const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      // The usual key's copies are compared with the reference copy's label and certificate.
      const usualCopies = [...held.entries()].filter(([, copy]) => copy.fingerprint === usual).map(([member, copy]) => ({ ...copy, member }));
      const reference = referenceHolder(usualCopies);
      const presence: Record<string, Presence> = {};
      const differences: Record<string, KeyDifference[]> = {};
      for (const { member, keys } of members) {
        const copy = held.get(member);
        const differs = copy && reference && copy.fingerprint === usual ? differencesFrom({ ...copy, member }, reference) : [];
        if (differs.length > 0) differences[member] = differs;
        // Another key outranks copies of it: that needs an operator, the copies only a repair.
        presence[member] =
          keys === null
            ? 'unknown'
            : copy === undefined
              ? 'missing'
              : copy.fingerprint !== usual
                ? 'different'
                : duplicated.has(member)
                  ? 'duplicated'
                  : differs.length > 0
                    ? 'differs'
                    : 'present';
        if (copy !== undefined && retired.has(`${key.class}:${key.id}:${copy.fingerprint}`)) presence[member] = 'retired';
      }
      // A retired key is not drift: the members it has left lack it on purpose, and nothing syncs it back.
      const isRetired = Object.values(presence).includes('retired');
      const drift = !isRetired && Object.values(presence).some((value) => value === 'missing' || value === 'different' || value === 'duplicated' || value === 'differs');
      const label = reference?.label ?? key.label;
      return { class: key.class, id: key.id, label, keyType: key.keyType, exportable: key.exportable, members: presence, drift, retired: isRetired, differences };
    })
    .sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}

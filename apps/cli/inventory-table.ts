// The inventory as a table of keys by members, drift marked: a key that some member lacks, holds
// with another fingerprint, or holds in identical surplus copies (duplicated). Computed here from
// each member's keys, so the table says exactly what the members reported, whatever summary the
// API adds.

export interface InventoryKey {
  class: string;
  id: string;
  label: string;
  keyType: string;
  fingerprint: string;
  exportable?: boolean;
  /** Identical surplus copies on this member (the API's `duplicates`); absent: none. */
  duplicates?: number;
}

export interface MemberInventory {
  member: string;
  /** null when the member could not be asked (its agent is down). */
  keys: InventoryKey[] | null;
  note?: string;
}

/** `duplicated`: the usual key, but in identical surplus copies (`keysync repair` removes them). */
export type Presence = 'present' | 'missing' | 'different' | 'duplicated' | 'unknown';

export interface InventoryRow {
  class: string;
  id: string;
  label: string;
  keyType: string;
  exportable: boolean | undefined;
  members: Record<string, Presence>;
  drift: boolean;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function keyOf(value: unknown): InventoryKey | null {
  const raw = record(value);
  if (typeof raw.id !== 'string' || typeof raw.fingerprint !== 'string') return null;
  const str = (field: unknown, fallback: string): string => (typeof field === 'string' ? field : fallback);
  return {
    class: str(raw.class, 'private'),
    id: raw.id.toLowerCase(),
    label: str(raw.label, ''),
    keyType: str(raw.keyType ?? raw.type, '?'),
    fingerprint: raw.fingerprint.toLowerCase(),
    ...(typeof raw.exportable === 'boolean' ? { exportable: raw.exportable } : {}),
    ...(typeof raw.duplicates === 'number' && raw.duplicates > 0 ? { duplicates: raw.duplicates } : {}),
  };
}

/** Reads the API's inventory answer: members as a list ({member|id, keys}) or as a map by member id. */
export function readInventory(answer: unknown): MemberInventory[] {
  const members = record(answer).members;
  const entries: Array<[string, unknown]> = Array.isArray(members)
    ? members.map((entry) => {
        const raw = record(entry);
        return [typeof raw.member === 'string' ? raw.member : typeof raw.id === 'string' ? raw.id : '?', entry];
      })
    : Object.entries(record(members));
  return entries.map(([member, entry]) => {
    const raw = Array.isArray(entry) ? { keys: entry } : record(entry);
    const keys = Array.isArray(raw.keys) ? raw.keys.map(keyOf).filter((key): key is InventoryKey => key !== null) : null;
    const note = typeof raw.error === 'string' ? raw.error : typeof raw.detail === 'string' ? raw.detail : typeof raw.message === 'string' ? raw.message : undefined;
    return { member, keys, ...(note ? { note } : {}) };
  });
}

/** One row per key (class + id); presence per member against the most common fingerprint. */
export function inventoryRows(members: MemberInventory[]): InventoryRow[] {
  const rows = new Map<string, { key: InventoryKey; fingerprints: Map<string, string>; duplicated: Set<string> }>();
  for (const { member, keys } of members) {
    for (const key of keys ?? []) {
      const id = `${key.class}:${key.id}`;
      const row = rows.get(id) ?? { key, fingerprints: new Map<string, string>(), duplicated: new Set<string>() };
      row.fingerprints.set(member, key.fingerprint);
      if ((key.duplicates ?? 0) > 0) row.duplicated.add(member);
      rows.set(id, row);
    }
  }
  return [...rows.values()]
    .map(({ key, fingerprints, duplicated }) => {
      const counts = new Map<string, number>();
      for (const fingerprint of fingerprints.values()) counts.set(fingerprint, (counts.get(fingerprint) ?? 0) + 1);
      const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      const presence: Record<string, Presence> = {};
      for (const { member, keys } of members) {
        const held = fingerprints.get(member);
        // Another key outranks copies of it: that needs an operator, the copies only a repair.
        presence[member] =
          keys === null ? 'unknown' : held === undefined ? 'missing' : held !== usual ? 'different' : duplicated.has(member) ? 'duplicated' : 'present';
      }
      const drift = Object.values(presence).some((value) => value === 'missing' || value === 'different' || value === 'duplicated');
      return { class: key.class, id: key.id, label: key.label, keyType: key.keyType, exportable: key.exportable, members: presence, drift };
    })
    .sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}

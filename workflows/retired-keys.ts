// Which keys are retired where (DESIGN 13), from standing tombstones and members' inventories.
// Pure, so unit tests cover it and the workflows stay deterministic; tombstones.ts asks for the
// tombstones and lifts them.
import type { DriftEntry } from '../libs/contract/drift';
import type { KeyClass, KeyGroup } from '../libs/contract/keys';
import type { Tombstone } from '../libs/contract/retire';
import type { Inventories, SyncPlan } from './plan';

interface KeyIdentity {
  class: KeyClass;
  id: string;
  fingerprint: string;
}

/** The tombstone of exactly this key (class, id and fingerprint), if one stands. */
export function tombstoneOf(tombstones: readonly Tombstone[], key: KeyIdentity): Tombstone | undefined {
  return tombstones.find(
    (tombstone) => tombstone.key.class === key.class && tombstone.key.id === key.id.toLowerCase() && tombstone.key.fingerprint === key.fingerprint.toLowerCase(),
  );
}

/**
 * The keys a sync could act on, which are all it needs to ask tombstones about: a retired key it
 * would not touch is left alone either way. `plan` is planned over the whole source inventory and
 * every reachable target, so it holds at least what the final plan exports, repairs, updates or
 * reports (conflicts, keys not exportable); every source key the request names is asked too, as
 * naming a retired key restores it.
 */
export function keysASyncCouldTouch(plan: SyncPlan, sourceInventory: readonly KeyGroup[], named: ReadonlySet<string>): { class: KeyClass; id: string }[] {
  // standingTombstones asks once per key, in any case of its id.
  return [...plan.selection, ...plan.notExportable, ...plan.targets.flatMap((target) => target.conflicts), ...sourceInventory.filter((group) => named.has(group.id.toLowerCase()))];
}

/** Every key of these inventories, for a standingTombstones ask. */
export function inventoryKeys(inventories: Inventories): { class: KeyClass; id: string }[] {
  return Object.values(inventories).flatMap((groups) => (groups ?? []).map((group) => ({ class: group.class, id: group.id })));
}

/**
 * Splits retired keys out of a drift: `drift` keeps everything else (a conflict under a retired id
 * stays: an operator decides it), `retired` lists each retired key still found on a member, with
 * its holders and the members it has already left.
 */
export function splitRetired(drift: readonly DriftEntry[], inventories: Inventories, tombstones: readonly Tombstone[]): { drift: DriftEntry[]; retired: DriftEntry[] } {
  const answered = Object.keys(inventories).filter((member) => inventories[member]).sort();
  const retired: DriftEntry[] = [];
  for (const tombstone of tombstones) {
    const holders = answered.flatMap((member) =>
      (inventories[member] ?? [])
        .filter((group) => tombstoneOf([tombstone], group) !== undefined)
        .map((group) => ({ member, fingerprint: group.fingerprint.toLowerCase(), exportable: group.exportable })),
    );
    if (holders.length === 0) continue;
    const holding = new Set(holders.map((holder) => holder.member));
    retired.push({ class: tombstone.key.class, id: tombstone.key.id, label: tombstone.key.label, holders, missingOn: answered.filter((member) => !holding.has(member)), duplicatedOn: [], conflicting: false });
  }
  const isRetired = (entry: DriftEntry): boolean => !entry.conflicting && entry.holders.every((holder) => tombstoneOf(tombstones, { class: entry.class, id: entry.id, fingerprint: holder.fingerprint }));
  return { drift: drift.filter((entry) => !isRetired(entry)), retired };
}


// What the workflows do with tombstones (tombstone-workflow.ts): ask which of some keys are
// retired, split retired keys out of a drift, and lift a tombstone when an operator's explicit
// sync or upload restores its key. The ask is an orchestrator activity (its result is in the
// caller's history), the lift a signal (recorded in the caller's history too). Callers that
// released before retires existed reach these behind patched(tombstonesPatch).
import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import type { DriftEntry } from '../libs/contract/drift';
import type { KeyClass } from '../libs/contract/keys';
import { liftTombstoneSignal } from '../libs/contract/messages';
import type { Tombstone, TombstoneLift } from '../libs/contract/retire';
import { tombstoneWorkflowId } from '../libs/contract/workflow-ids';
import type { Inventories } from './plan';

/** The patch id under which drift watches, inventories, syncs and uploads honour tombstones. */
export const tombstonesPatch = 'retire-tombstones';

const { retiredKeys } = proxyActivities<OrchestratorActivities>({
  startToCloseTimeout: '1 minute',
  // Describes against the Temporal server: retried while it or the orchestrator is briefly away.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

interface KeyIdentity {
  class: KeyClass;
  id: string;
  fingerprint: string;
}

/** The standing tombstones among these keys (one activity call; none when there are no keys). */
export async function standingTombstones(cluster: string, keys: readonly { class: KeyClass; id: string }[]): Promise<Tombstone[]> {
  const unique = new Map(keys.map((key) => [`${key.class}:${key.id.toLowerCase()}`, { class: key.class, id: key.id.toLowerCase() }]));
  if (unique.size === 0) return [];
  return retiredKeys({ cluster, keys: [...unique.values()] });
}

/** The tombstone of exactly this key (class, id and fingerprint), if one stands. */
export function tombstoneOf(tombstones: readonly Tombstone[], key: KeyIdentity): Tombstone | undefined {
  return tombstones.find(
    (tombstone) => tombstone.key.class === key.class && tombstone.key.id === key.id.toLowerCase() && tombstone.key.fingerprint === key.fingerprint.toLowerCase(),
  );
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

/** Lifts these tombstones: `lift` names the operation that restored their keys. A tombstone already lifted is left as it is. */
export async function liftTombstones(tombstones: readonly Tombstone[], lift: TombstoneLift): Promise<void> {
  for (const tombstone of tombstones) {
    try {
      await getExternalWorkflowHandle(tombstoneWorkflowId(tombstone.cluster, tombstone.key.class, tombstone.key.id)).signal(liftTombstoneSignal, lift);
    } catch (error) {
      // Closed meanwhile (lifted by another restore): the key is no longer retired either way.
      log.info('tombstone already lifted', { tombstone: tombstone.key.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

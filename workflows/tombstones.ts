// What the workflows do with tombstones (tombstone-workflow.ts): ask which of some keys are
// retired, and lift a tombstone when an operator's explicit sync or upload restores its key (which
// keys are retired where is retired-keys.ts, pure). The ask is an orchestrator activity (its result
// is in the caller's history), the lift a signal (recorded in the caller's history too). Callers
// that released before retires existed reach these behind patched(tombstonesPatch).
import { getExternalWorkflowHandle, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { OrchestratorActivities } from '../libs/contract/activities';
import type { KeyClass } from '../libs/contract/keys';
import { liftTombstoneSignal } from '../libs/contract/messages';
import type { Tombstone, TombstoneLift } from '../libs/contract/retire';
import { tombstoneWorkflowId } from '../libs/contract/workflow-ids';

/** The patch id under which drift watches, inventories, syncs and uploads honour tombstones. */
export const tombstonesPatch = 'retire-tombstones';

const { retiredKeys } = proxyActivities<OrchestratorActivities>({
  startToCloseTimeout: '1 minute',
  // Describes against the Temporal server: retried while it or the orchestrator is briefly away.
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/**
 * The same activity run as a local activity by the orchestrator's worker within the workflow task
 * that asks (its result is a marker in the history): no round trip through a task queue on a path
 * a caller waits on. Behind patched(tombstonesLocalPatch) where a workflow uses it.
 */
const { retiredKeys: retiredKeysLocally } = proxyLocalActivities<OrchestratorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/** The patch under which a keySync asks for tombstones by a local activity. */
export const tombstonesLocalPatch = 'retired-keys-local';

/** The patch under which a keySync asks for the tombstones of the keys it could act on only (keysASyncCouldTouch), not of every key the source holds. */
export const tombstonesOfTouchedKeysPatch = 'tombstones-of-touched-keys';

/** The patch under which a keySync that names its keys looks up their tombstones beside its export and imports, not before them. */
export const tombstonesBesideImportsPatch = 'tombstones-beside-imports';

/** The standing tombstones among these keys (one activity call, local when asked; none when there are no keys). */
export async function standingTombstones(cluster: string, keys: readonly { class: KeyClass; id: string }[], options: { local?: boolean } = {}): Promise<Tombstone[]> {
  const unique = new Map(keys.map((key) => [`${key.class}:${key.id.toLowerCase()}`, { class: key.class, id: key.id.toLowerCase() }]));
  if (unique.size === 0) return [];
  return (options.local ? retiredKeysLocally : retiredKeys)({ cluster, keys: [...unique.values()] });
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

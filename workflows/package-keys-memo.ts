// A keySync's package keys (class, id, label, fingerprint: public facts) published in its memo once,
// under their own key, when the export made them known; its published view (published-view.ts)
// then leaves them out. The view is published again at every change of any member's state: with
// the keys in it, each copy of a few-hundred-key package's view weighed tens of KB, and past 64 KB
// the view was not published at all, so status reads fell back to the query (seconds on a busy
// worker: 2.3 s in a 600-key sync to 4 members).
import { patched, upsertMemo } from '@temporalio/workflow';
import type { KeyRef } from '../libs/contract/keys';
import { packageKeysMemoKey } from '../libs/contract/messages';
import type { OperationState } from '../libs/contract/operations';

/** The patch under which a keySync publishes its package's keys apart from its view (histories recorded before replay without). */
export const packageKeysMemoPatch = 'package-keys-memo';

/** Publishes the keys, in the workflow task that learnt them; false (nothing published) in histories recorded before the patch. */
export function publishPackageKeys(keys: readonly KeyRef[]): boolean {
  if (!patched(packageKeysMemoPatch)) return false;
  upsertMemo({ [packageKeysMemoKey]: keys.map(({ class: keyClass, id, label, fingerprint }) => ({ class: keyClass, id, label, fingerprint })) });
  return true;
}

/** The operation as its view is published once its package's keys are in the memo: without them. */
export function withoutPackageKeys(operation: OperationState): OperationState {
  if (!operation.package) return operation;
  const { keys: _inMemo, ...rest } = operation.package;
  return { ...operation, package: rest };
}

// tombstone (`tombstone:<cluster>:<class>:<id>`): the durable record that a key was retired
// (DESIGN 13), standing until an operator's explicit sync or upload brings the key back.
//
// Why a workflow: Temporal is the one durable store that every orchestrator, every agent's
// workflows and the API already share (SQLite in the embedded stack, PostgreSQL behind every
// Temporal server in production), and a running workflow is kept until it closes, never trimmed by
// the namespace's retention. Its id is the key's, so anyone asks about a key by describing one id
// (strongly consistent, unlike a visibility list), the retire that makes it and the sync that lifts
// it both record that in their own histories (a child start, a signal), and its own history is the
// tombstone's audit record. The record itself is the workflow's input, also in its memo, so a
// describe reads it without a worker. The package store was the other candidate, but it holds
// immutable, content-addressed blobs (nothing there can be lifted) and agents on separate hosts
// may not share a folder.
import { condition, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { liftTombstoneSignal, tombstoneQuery } from '../libs/contract/messages';
import type { TombstoneInput, TombstoneLift, TombstoneResult } from '../libs/contract/retire';
import { KeySyncCluster, KeySyncKind, KeySyncState } from '../libs/contract/search-attributes';
import { archiveThisHistoryWhenClosed } from './archive-workflow';

export async function tombstoneWorkflow(input: TombstoneInput): Promise<TombstoneResult> {
  // KeySyncMembers left unset: a tombstone changes no member, and member audit trails list operations.
  upsertSearchAttributes([
    { key: KeySyncCluster, value: input.cluster },
    { key: KeySyncKind, value: 'tombstone' },
    { key: KeySyncState, value: 'retired' },
  ]);
  // The first lift counts; a second restore of the same key finds it lifted already.
  const lifted: { by: TombstoneLift | null } = { by: null };
  setHandler(liftTombstoneSignal, (signalled) => {
    lifted.by ??= signalled;
  });
  setHandler(tombstoneQuery, () => input);
  try {
    await condition(() => lifted.by !== null);
    upsertSearchAttributes([{ key: KeySyncState, value: 'lifted' }]);
    return { ...input, liftedBy: lifted.by as TombstoneLift };
  } finally {
    await archiveThisHistoryWhenClosed();
  }
}

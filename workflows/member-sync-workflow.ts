// memberSync (`sync:<cluster>:<syncId>:<member>`): one member of one key sync. It waits for the
// member's approvals, imports the package on the member's own queue, verifies by inventory and
// reports. Its history is that member's audit record of the operation (DESIGN section 5). It also
// runs standalone, for a package uploaded by hand: the input carries the package ref and the
// entries the member must end up holding.
import {
  ApplicationFailure,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ImportPackageResult } from '../libs/contract/activities';
import type { KeyGroup } from '../libs/contract/keys';
import { challengeQuery, memberStateQuery } from '../libs/contract/messages';
import type { MemberSyncInput, MemberSyncResult, MemberSyncResume } from '../libs/contract/operation-inputs';
import { finalMemberStates } from '../libs/contract/operations';
import type { KeyConflict, MemberFailureReason, MemberState, MemberStatus } from '../libs/contract/operations';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../libs/contract/search-attributes';
import { callAgent } from './agent-call';
import type { AgentCallHooks } from './agent-call';
import { ApprovalGate } from './approval-gate';
import { archiveThisHistoryFirst, archiveThisHistoryWhenClosed } from './archive-workflow';
import { unsupportedKeysText } from './capability-plan';
import { adviceFor, reasonForFailureType } from './failure-reasons';
import { importUpdateRequest, notUpdatedOf, stillDiffering, updatesText } from './key-updates';
import { announceAwaitingApproval, announceEnded } from './notifications';
import type { AnnouncedOperation } from './notifications';
import { publishView } from './published-view';
import { agentTiming } from './timing';
import { tombstoneOf } from './retired-keys';
import { liftTombstones, standingTombstones, tombstonesPatch } from './tombstones';

/**
 * The patch under which an import returns the inventory of the package's keys read after it (one
 * agent call where import and verification took two); histories recorded before replay as two.
 */
export const inventoryWithImportPatch = 'inventory-with-import';
/**
 * Packages up to this many keys: the import's entries and the inventory of the same keys (under
 * 1 KB a key with a certificate) stay under half of Temporal's 2 MiB payload limit. A larger
 * package is verified by a separate inventoryKeys call. (Up to 64 keys before: a history of 65 to
 * 1000 keys recorded then has no marker here, so patched() is false for it and it replays as two.)
 */
const inventoryWithImportUpTo = 1000;

export async function memberSyncWorkflow(input: MemberSyncInput): Promise<MemberSyncResult> {
  const { workflowId } = workflowInfo();
  const timing = agentTiming(input.timing);
  const resumed = input.resume;
  const status: MemberStatus = {
    member: input.member,
    workflowId,
    state: 'pending',
    keysImported: resumed?.status.keysImported ?? 0,
    keysSkipped: resumed?.status.keysSkipped ?? 0,
    attempts: resumed?.status.attempts ?? 0,
    approvals: { required: input.policy.approvals, granted: [], refused: [] },
    conflicts: [...(resumed?.status.conflicts ?? input.knownConflicts ?? [])],
  };
  if (input.update) status.keysUpdated = resumed?.status.keysUpdated ?? 0;
  if (resumed?.status.notUpdated) status.notUpdated = [...resumed.status.notUpdated];
  const unsupportedKeys = resumed?.status.unsupportedKeys ?? input.unsupportedKeys;
  if (unsupportedKeys) status.unsupportedKeys = [...unsupportedKeys];
  if (resumed?.status.invalidKeys) status.invalidKeys = [...resumed.status.invalidKeys];
  const gate = new ApprovalGate({
    workflowId,
    member: input.member,
    requestedBy: input.requestedBy,
    approvers: input.approvers,
    // A run that continues a previous one has its approvals already; a join's cover its key sync.
    required: input.preApproval || resumed ? 0 : input.policy.approvals,
    timeoutSeconds: input.policy.timeoutSeconds,
  });
  status.approvals = gate.status;
  if (resumed) gate.restore(resumed.status.approvals);
  else if (input.preApproval) gate.cover(input.preApproval.operationId, input.preApproval.approvals);
  gate.install();
  setHandler(memberStateQuery, () => status);
  const view = publishView(() => status);
  setHandler(challengeQuery, (member) => gate.challenge(member ?? input.member));

  let publishedState: MemberState | null = null;
  const enter = (state: MemberState): void => {
    status.state = state;
    if (state === publishedState) return;
    publishedState = state;
    upsertSearchAttributes([{ key: KeySyncState, value: state }]);
  };
  upsertSearchAttributes([
    { key: KeySyncCluster, value: input.cluster },
    { key: KeySyncMembers, value: [input.member] },
    { key: KeySyncKind, value: 'member-sync' },
    { key: KeySyncState, value: 'pending' },
  ]);
  publishedState = 'pending';

  const fail = (reason: MemberFailureReason, detail: string): MemberSyncResult => {
    status.reason = reason;
    status.detail = `${detail} ${adviceFor(reason)}`;
    enter('failed');
    return status;
  };

  /**
   * Shows the member's progress: the working state while its agent works, waiting-for-node while it
   * is away. A long wait continues as new, carrying the approvals and the progress.
   */
  const agentHooks = (working: MemberState, phase: MemberSyncResume['phase']): AgentCallHooks => ({
    onWaitingForNode: async () => {
      enter('waiting-for-node');
      if (workflowInfo().historyLength >= timing.continueAsNewAfterEvents) {
        await continueAsNew<typeof memberSyncWorkflow>({ ...input, resume: { phase, status } });
      }
    },
    onNodeBack: () => enter(working),
    onAttempt: () => enter(working),
    onRetry: (error) => {
      status.lastError = error;
    },
  });
  const agentOptions = { cluster: input.cluster, member: input.member, timing };
  const archiving = input.archiveFirst ? archiveThisHistoryFirst() : null;

  try {
    if (gate.asksApproval()) enter('awaiting-approval');
    const decision = await gate.decide(input.package.digest, () => announceAwaitingApproval(announced(input, status), input.member, gate.status));
    if (decision === 'rejected') {
      const by = gate.status.granted.find((record) => record.decision === 'reject')?.approverId ?? 'an approver';
      return fail('rejected', `${by} rejected the import of package ${input.package.digest} on ${input.member}.`);
    }
    if (decision === 'timeout') {
      return fail('approval-timeout', `${input.member} needed ${input.policy.approvals} approval(s) within ${input.policy.timeoutSeconds}s.`);
    }
    if (decision === 'unreachable') {
      return fail('approval-timeout', `The policy asks ${input.policy.approvals} approvals but fewer registered approvers may approve (the requester may not).`);
    }

    // The import reads the inventory of the package's keys too, so verifying costs no second round trip to the agent.
    const inventoryWithImport = input.package.keyCount <= inventoryWithImportUpTo && patched(inventoryWithImportPatch);
    let inventoryAfterImport: KeyGroup[] | undefined;
    if (resumed?.phase !== 'verify') {
      enter('importing');
      const imported: ImportPackageResult = await callAgent(
        { ...agentOptions, heartbeats: true, hooks: countAttempts(status, agentHooks('importing', 'import')) },
        (agent) =>
          agent.importPackage({
            operationId: input.operationId,
            package: input.package,
            ...(input.update ? { update: importUpdateRequest(input.update) } : {}),
            ...(inventoryWithImport ? { inventoryAfter: true } : {}),
          }),
      );
      inventoryAfterImport = imported.inventoryAfter;
      status.keysImported = imported.imported;
      status.keysSkipped = imported.skipped;
      const details: string[] = [];
      if (input.update) {
        status.keysUpdated = imported.updated ?? 0;
        const notUpdated = notUpdatedOf(imported);
        if (notUpdated.length > 0) status.notUpdated = notUpdated;
        const text = updatesText(imported, notUpdated);
        if (text) details.push(text);
      }
      if (imported.copiesRemoved) {
        status.copiesRemoved = imported.copiesRemoved;
        const removed = imported.entries.filter((entry) => (entry.copiesRemoved ?? 0) > 0);
        details.push(`Removed ${imported.copiesRemoved} identical surplus copies of ${removed.map((entry) => `${entry.label} (${entry.class} ${entry.id}) x${entry.copiesRemoved}`).join(', ')}.`);
      }
      if (imported.incompleteRemoved) {
        const leftovers = imported.entries.filter((entry) => (entry.incompleteRemoved ?? 0) > 0);
        details.push(`Removed ${imported.incompleteRemoved} object(s) without key material left by an interrupted unwrap, before importing ${leftovers.map((entry) => `${entry.label} (${entry.class} ${entry.id})`).join(', ')} again.`);
      }
      if (details.length > 0) status.detail = details.join(' ');
      for (const entry of imported.entries) {
        if (entry.outcome !== 'conflict' || status.conflicts.some((known) => known.class === entry.class && known.id === entry.id)) continue;
        status.conflicts.push({ class: entry.class, id: entry.id, label: entry.label, sourceFingerprint: entry.fingerprint });
      }
      // A key the token cannot hold (in the package for another target, or an uploaded package): left out here, reported.
      for (const entry of imported.entries) {
        if (entry.outcome !== 'unsupported-mechanism' || status.unsupportedKeys?.some((known) => known.class === entry.class && known.id === entry.id)) continue;
        const key = { class: entry.class, id: entry.id, label: entry.label, fingerprint: entry.fingerprint };
        (status.unsupportedKeys ??= []).push({ ...key, reason: 'unsupported-mechanism', detail: entry.reason ?? 'its token cannot hold this key' });
      }
      // A key that unwrapped but failed its proof was destroyed again by the import: reported, never counted as held.
      for (const entry of imported.entries) {
        if (entry.outcome !== 'invalid-data' || status.invalidKeys?.some((known) => known.class === entry.class && known.id === entry.id)) continue;
        const key = { class: entry.class, id: entry.id, label: entry.label, fingerprint: entry.fingerprint };
        (status.invalidKeys ??= []).push({ ...key, reason: 'invalid-data', detail: entry.reason ?? 'it failed its proof after unwrap' });
      }
    }

    enter('verifying');
    const inventory: KeyGroup[] =
      inventoryAfterImport ?? (await callAgent({ ...agentOptions, heartbeats: false, hooks: agentHooks('verifying', 'verify') }, (agent) => agent.inventoryKeys()));
    const absent = missingAfterImport(input, [...status.conflicts, ...(status.unsupportedKeys ?? []), ...(status.invalidKeys ?? [])], inventory);
    if (absent.length > 0) {
      return fail('hsm-error', `After the import ${input.member} still lacks ${absent.length} key(s): ${absent.join(', ')}.`);
    }
    const differing = stillDiffering(input.update, status.notUpdated ?? [], inventory);
    if (differing.length > 0) {
      return fail('hsm-error', `After the import ${input.member} still holds ${differing.join(', ')} with another label or certificate than the source's.`);
    }
    const copied = copiesAfterImport(input, inventory);
    if (copied.length > 0) {
      return fail('hsm-error', `After the import ${input.member} still holds surplus copies of ${copied.join(', ')}.`);
    }
    if (status.invalidKeys && status.invalidKeys.length > 0) {
      const keys = status.invalidKeys.map((key) => `${key.label} (${key.class} ${key.id})`).join(', ');
      return fail('invalid-data', `On ${input.member}, ${keys} unwrapped but failed the proof of being the package's key (invalidKeys names each check) and were destroyed again; every other key was imported.`);
    }
    if (status.conflicts.length > 0) {
      const ids = status.conflicts.map((conflict) => `${conflict.label} (${conflict.class} ${conflict.id})`).join(', ');
      return fail('conflict', `${input.member} holds other keys under the ids of ${ids}; those were left alone, every other key was imported.`);
    }
    if (status.unsupportedKeys && status.unsupportedKeys.length > 0) {
      return fail('unsupported-mechanism', `${unsupportedKeysText(input.member, status.unsupportedKeys)} Every other key was imported.`);
    }
    // An uploaded package (a standalone memberSync) that restored a retired key lifts its tombstone, recorded here.
    if (input.operationId === workflowId && patched(tombstonesPatch)) {
      const restored = (await standingTombstones(input.cluster, input.expected)).filter((tombstone) => input.expected.some((entry) => tombstoneOf([tombstone], entry)));
      if (restored.length > 0) {
        await liftTombstones(restored, { operationId: workflowId, requestedBy: input.requestedBy });
        status.detail = `${status.detail ? `${status.detail} ` : ''}Restored retired ${restored.map((tombstone) => `${tombstone.key.label} (${tombstone.key.class} ${tombstone.key.id})`).join(', ')}: tombstone lifted.`;
      }
    }
    enter('in-sync');
    return status;
  } catch (error) {
    if (isCancellation(error)) {
      fail('cancelled', `The sync of ${input.member} was cancelled while ${status.state}.`);
      throw error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      return fail(reasonForFailureType(error.type ?? ''), error.message);
    }
    throw error;
  } finally {
    view.last();
    // A member of a keySync is told by its keySync's end; an uploaded package's memberSync is its own operation.
    const ownOperation = input.operationId === workflowId && finalMemberStates.includes(status.state);
    await Promise.all([ownOperation ? announceEnded(announced(input, status)) : undefined, archiving ?? archiveThisHistoryWhenClosed()]);
  }
}

/** The memberSync as a notification tells it: the operation it belongs to, and this member. */
function announced(input: MemberSyncInput, status: MemberStatus): AnnouncedOperation {
  const { member, state, reason } = status;
  const ended = finalMemberStates.includes(state) ? (reason === 'cancelled' ? 'cancelled' : state === 'failed' ? 'failed' : 'completed') : 'running';
  return { operationId: input.operationId, kind: 'sync', cluster: input.cluster, state: ended, requestedBy: input.requestedBy, members: [{ member, state, ...(reason ? { reason } : {}) }] };
}

function countAttempts(status: MemberStatus, hooks: AgentCallHooks): AgentCallHooks {
  return {
    ...hooks,
    onAttempt: () => {
      status.attempts += 1;
      hooks.onAttempt?.();
    },
  };
}

/** Expected entries that the member's inventory still shows with identical surplus copies. */
function copiesAfterImport(input: MemberSyncInput, inventory: readonly KeyGroup[]): string[] {
  const expected = new Set(input.expected.map((entry) => `${entry.class}:${entry.id.toLowerCase()}`));
  return inventory
    .filter((group) => (group.duplicates ?? 0) > 0 && expected.has(`${group.class}:${group.id.toLowerCase()}`))
    .map((group) => `${group.label} (${group.class} ${group.id})`);
}

/** Expected entries that the member's inventory does not show with the same class, id and fingerprint (keys left out, conflicting or unsupported, aside). */
function missingAfterImport(input: MemberSyncInput, leftOut: ReadonlyArray<Pick<KeyConflict, 'class' | 'id'>>, inventory: readonly KeyGroup[]): string[] {
  const held = new Set(inventory.map((group) => `${group.class}:${group.id.toLowerCase()}:${group.fingerprint.toLowerCase()}`));
  const conflicted = new Set(leftOut.map((conflict) => `${conflict.class}:${conflict.id.toLowerCase()}`));
  return input.expected
    .filter((entry) => !conflicted.has(`${entry.class}:${entry.id.toLowerCase()}`))
    .filter((entry) => !held.has(`${entry.class}:${entry.id.toLowerCase()}:${entry.fingerprint.toLowerCase()}`))
    .map((entry) => `${entry.label} (${entry.class} ${entry.id})`);
}

// keyAvailability (`availability:<cluster>:<keyId>:<requestId>`): the gate a CA renewal script or a
// change tool waits on (DESIGN section 7, GET .../keys/{keyId}/availability). It looks at every
// member until the key is on all of them with the same fingerprint, or the wait ends, and answers
// with who lacks it. With `sync`, it starts one keySync from a holder to the members that lack the
// key (ABANDON: the sync goes on if the wait ends first, and its approvals are asked as the policy
// says), then waits for that sync instead of polling.
//
// A run lasts at most the wait (the API bounds it to 120 s) and polls with a growing pause, so its
// history stays small. It changes nothing on a member by itself: no KeySyncMembers, no archiving.
import { CancellationScope, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { KeyAvailabilityInput, KeyAvailabilityResult, KeyPresence } from '../libs/contract/key-availability';
import type { KeySyncResult } from '../libs/contract/operation-inputs';
import { KeySyncCluster, KeySyncKind, KeySyncState } from '../libs/contract/search-attributes';
import { surveyCluster } from './cluster-survey';
import { surveyedForSync } from './surveyed-for-sync';
import type { MemberSurvey } from './cluster-survey';
import { startAutomaticSync } from './automatic-sync';
import { agentTiming } from './timing';

/** Polling pauses while no sync of ours is running: short first (the key may be on its way), then 2 s. */
const firstPollMs = 250;
const maxPollMs = 2_000;
/** A member down is noticed after this probe (not the operation default of 30 s): the caller is waiting. */
const availabilityTimingDefaults = { nodeProbeSeconds: 3, callSeconds: 60 };

interface KeyView {
  members: { member: string; presence: KeyPresence }[];
  holders: { member: string; exportable: boolean }[];
  conflicting: boolean;
}

/**
 * Where the key is. Under one CKA_ID a member may hold several classes (a private key, a secret
 * key): it has the key when it holds every class that any member holds, each with the fingerprint
 * the others have. Two fingerprints for one class anywhere is a conflict.
 */
function viewKey(survey: readonly MemberSurvey[], keyId: string): KeyView {
  const holders: KeyView['holders'] = [];
  const fingerprintsByClass = new Map<string, Set<string>>();
  const heldBy = new Map<string, Map<string, string>>();
  for (const member of survey) {
    const held = new Map<string, string>();
    for (const group of member.inventory ?? []) {
      if (group.id.toLowerCase() !== keyId) continue;
      const fingerprint = group.fingerprint.toLowerCase();
      held.set(group.class, fingerprint);
      holders.push({ member: member.member, exportable: group.exportable });
      fingerprintsByClass.set(group.class, (fingerprintsByClass.get(group.class) ?? new Set()).add(fingerprint));
    }
    heldBy.set(member.member, held);
  }
  const conflicting = [...fingerprintsByClass.values()].some((fingerprints) => fingerprints.size > 1);
  const members = survey.map((member): { member: string; presence: KeyPresence } => {
    if (member.inventory === null) return { member: member.member, presence: 'unreachable' };
    const held = heldBy.get(member.member) ?? new Map<string, string>();
    const differs = [...held].some(([keyClass, fingerprint]) => [...(fingerprintsByClass.get(keyClass) ?? [])].some((other) => other !== fingerprint));
    if (held.size > 0 && differs) return { member: member.member, presence: 'different' };
    return { member: member.member, presence: held.size > 0 && held.size === fingerprintsByClass.size ? 'present' : 'missing' };
  });
  return { members, holders, conflicting };
}

export async function keyAvailabilityWorkflow(input: KeyAvailabilityInput): Promise<KeyAvailabilityResult> {
  const cluster = input.cluster;
  const keyId = input.keyId.toLowerCase();
  const timing = agentTiming({ ...availabilityTimingDefaults, ...input.timing });
  const startedAt = Date.now();
  const deadline = startedAt + Math.max(0, input.waitSeconds) * 1000;
  upsertSearchAttributes([
    { key: KeySyncCluster, value: cluster.id },
    { key: KeySyncKind, value: 'availability' },
    { key: KeySyncState, value: 'running' },
  ]);

  let operationId: string | null = null;
  let syncAsked = false;
  let syncDone: Promise<KeySyncResult> | null = null;
  let pollMs = firstPollMs;
  let survey = await surveyCluster(cluster, timing, [keyId]);
  let view = viewKey(survey, keyId);
  for (;;) {
    const lacking = view.members.filter((member) => member.presence !== 'present').map((member) => member.member);
    const available = lacking.length === 0 && view.holders.length > 0;
    const notExportable = view.holders.length > 0 && !view.holders.some((holder) => holder.exportable);
    if (available || Date.now() >= deadline || view.conflicting) {
      upsertSearchAttributes([{ key: KeySyncState, value: available ? 'available' : 'unavailable' }]);
      return {
        cluster: cluster.id,
        keyId,
        available,
        members: view.members,
        lacking,
        conflicting: view.conflicting,
        notExportable,
        operationId,
        waitedSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
        ...(available ? {} : { message: explain(view, lacking, notExportable, input.sync, operationId) }),
      };
    }

    const reachableMissing = view.members.filter((member) => member.presence === 'missing').map((member) => member.member);
    const source = cluster.members.find((member) => view.holders.some((holder) => holder.member === member && holder.exportable));
    if (input.sync && !syncAsked && source !== undefined && reachableMissing.length > 0) {
      const request = { source, keyIds: [keyId], targets: reachableMissing };
      const { sync, ended } = await startAutomaticSync(cluster, request, {
        requestedBy: input.requestedBy,
        timing: input.timing,
        kind: 'avail',
        detectedAt: new Date(startedAt).toISOString(),
        // The sync's pre-flight is this survey: the caller is waiting.
        surveyed: surveyedForSync(survey, request.keyIds, [source, ...reachableMissing]),
      });
      operationId = sync.operationId;
      syncAsked = true;
      // Our own child: wait for its end. One found running (another caller's): poll.
      syncDone = ended;
    }
    const remaining = deadline - Date.now();
    if (syncDone !== null) {
      const pending = syncDone;
      syncDone = null;
      const outcome = await raceWithTimer(pending, remaining);
      // Each memberSync verified its import by inventory: its in-sync members hold the key now, no need to look again.
      if (outcome !== undefined) {
        view = withSynced(view, outcome);
        continue;
      }
    } else {
      await sleep(Math.min(pollMs, remaining));
      pollMs = Math.min(pollMs * 2, maxPollMs);
    }
    survey = await surveyCluster(cluster, timing, [keyId]);
    view = viewKey(survey, keyId);
  }
}

/** The view after a sync: its targets that ended in-sync hold the key. */
function withSynced(view: KeyView, outcome: KeySyncResult): KeyView {
  const synced = new Set(outcome.members.filter((member) => member.state === 'in-sync').map((member) => member.member));
  return {
    ...view,
    members: view.members.map((member) => (member.presence === 'missing' && synced.has(member.member) ? { member: member.member, presence: 'present' } : member)),
  };
}

/** What `pending` gives, or undefined when `ms` passes first or it fails; the timer is cancelled so it leaves no trace. */
async function raceWithTimer<T>(pending: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return undefined;
  const scope = new CancellationScope();
  const timer = scope.run(() => sleep(ms));
  const outcome = await Promise.race([pending.catch(() => undefined), timer.then(() => undefined, () => undefined)]);
  scope.cancel();
  return outcome;
}

function explain(view: KeyView, lacking: readonly string[], notExportable: boolean, sync: boolean, operationId: string | null): string {
  if (view.holders.length === 0) return `No member holds a key with this CKA_ID yet. Check the id, or wait for it to be generated.`;
  if (view.conflicting) return `Members hold different keys under this id (${lacking.join(', ')}): no sync is started; an operator must decide which key is right.`;
  const unreachable = view.members.filter((member) => member.presence === 'unreachable').map((member) => member.member);
  const parts = [`The key is not on ${lacking.join(', ')} yet.`];
  if (unreachable.length > 0) parts.push(`${unreachable.join(', ')} did not answer: start its agent (npm run worker -- --member <id>).`);
  if (notExportable) parts.push('No holder can wrap it (CKA_EXTRACTABLE false), so it cannot be synced: see the README on making keys syncable.');
  else if (operationId !== null) parts.push(`Sync ${operationId} is bringing it; it may be waiting for approvals (GET /v1/operations/${operationId}).`);
  else if (!sync) parts.push('Ask again with sync=true (operator) to start a sync, or wait for the drift watch.');
  return parts.join(' ');
}

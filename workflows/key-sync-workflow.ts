// keySync (`sync:<cluster>:<syncId>`): brings what the source holds to the targets that lack it.
// Pre-flight (each target's cluster secrets against the source's), inventory of every member, a
// plan, one package exported on the source with only what some target needs, one memberSync child
// per target with bounded parallelism, and a summary (DESIGN section 5). The pre-flight asks each
// member once (surveyToken); a drift watch or an availability request that starts the sync hands
// over what its survey just saw (`surveyed`), and those members are not asked again.
//
// The parent's `operation-state` query shows each member as the parent knows it: `pending` until
// its memberSync returns (its `workflowId` is set once started). For a member's live state during
// the sync, query that memberSync's `member-state`.
//
// The input carries the cluster's snapshot (the API, the CLI's --print-input) or only its id (the
// Temporal UI's small input): then the snapshot is resolved first, by an activity (cluster-resolution.ts).
//
// Each member's token reports its capabilities in the pre-flight (capability-plan.ts, behind
// patched(capabilitiesPatch)): the package's wrap format is one the source and every taking-part
// target share; a target that shares none fails as unsupported-mechanism before anything is
// exported; a key a target cannot hold is left out for it alone. The tokens used, the format and
// each token's mechanism for it are in the operation's state and this history.
//
// A target that holds a selected key in identical surplus copies (writers that raced before they
// were serialized) gets that key in the package too: its import skips the key and removes the
// copies. A repair (`input.repair`) is that alone, for one member synced onto itself.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  continueAsNew,
  executeChild,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { approvalChallenge } from '../libs/approvals/challenge';
import { syncPolicyOf } from '../libs/contract/cluster';
import type { ApprovalPolicy, ClusterSnapshot } from '../libs/contract/cluster';
import type { TokenCapabilities, WrapFormat } from '../libs/contract/hsm-capabilities';
import type { ClusterSecretsKcv, KeyGroup, KeyRef } from '../libs/contract/keys';
import { challengeQuery, operationStateQuery } from '../libs/contract/messages';
import type { KeySyncInput, KeySyncResult } from '../libs/contract/operation-inputs';
import type { MemberFailureReason, MemberSummary, OperationState, OperationStatus } from '../libs/contract/operations';
import { describeProblems, syncRequestProblems, syncTargets } from '../libs/contract/request-rules';
import { KeySyncCluster, KeySyncKind, KeySyncMembers, KeySyncState } from '../libs/contract/search-attributes';
import { memberSyncWorkflowId } from '../libs/contract/workflow-ids';
import { workflowTypes } from '../libs/contract/workflow-types';
import type { MemberSyncWorkflow } from '../libs/contract/workflow-types';
import { callAgent } from './agent-call';
import type { AgentCallOptions } from './agent-call';
import { archiveThisHistoryFirst, archiveThisHistoryWhenClosed } from './archive-workflow';
import { capabilitiesPatch, decideWrapFormat, tokenInUse, unsupportedKeysText, withoutKeysNotHeld } from './capability-plan';
import { clusterFromConfiguration } from './cluster-resolution';
import { surveyInOneCallPatch } from './cluster-survey';
import { sameKcv } from './cluster-secrets-kcv';
import { adviceFor, reasonForFailureType } from './failure-reasons';
import { keyUpdatesPatch, syncUpdates } from './key-updates';
import { announceEnded } from './notifications';
import { publishPackageKeys, withoutPackageKeys } from './package-keys-memo';
import { keyRef, planSync } from './plan';
import type { Inventories, SyncPlan, TargetPlan } from './plan';
import { runBounded } from './pool';
import { publishView } from './published-view';
import { agentTiming } from './timing';
import { keysASyncCouldTouch, tombstoneOf } from './retired-keys';
import { liftTombstones, standingTombstones, tombstonesBesideImportsPatch, tombstonesLocalPatch, tombstonesOfTouchedKeysPatch, tombstonesPatch } from './tombstones';
import type { Tombstone } from '../libs/contract/retire';
import type { SurveyTokenInput } from '../libs/contract/token-survey';

/**
 * The patch under which the pre-flight asks every member's check values, inventory and
 * capabilities in one round (histories recorded before replay the source first, then the targets).
 */
export const preflightAtOncePatch = 'preflight-at-once';

export async function keySyncWorkflow(input: KeySyncInput): Promise<KeySyncResult> {
  const { workflowId } = workflowInfo();
  const timing = agentTiming(input.timing);
  // A snapshot in the input schedules nothing here, so the histories of such runs replay as before.
  const cluster = typeof input.cluster === 'string' ? await clusterFromConfiguration(input.cluster) : input.cluster;
  validateKeySyncInput(input, cluster);
  const targets = syncTargets(input, cluster.members);

  const operation: OperationState = {
    operationId: workflowId,
    kind: input.repair ? 'repair' : 'sync',
    cluster: cluster.id,
    requestedBy: input.requestedBy,
    reason: input.reason,
    state: 'running',
    package: null,
    members: targets.map((member) => ({ member, state: 'pending', keysImported: 0, keysSkipped: 0, attempts: 0 })),
    notExportable: [],
  };
  const summaryOf = (member: string): MemberSummary => operation.members.find((summary) => summary.member === member) as MemberSummary;
  const policyOf = (member: string): ApprovalPolicy => syncPolicyOf(cluster.policy, member);
  const preApprovalOf = (member: string) => input.preApprovals?.find((approval) => approval.member === member);
  const fail = (member: string, reason: MemberFailureReason, detail: string): void => {
    Object.assign(summaryOf(member), { state: 'failed', reason, detail: `${detail} ${adviceFor(reason)}` });
  };

  setHandler(operationStateQuery, () => operation);
  let packageKeysInMemo = false;
  const view = publishView(() => (packageKeysInMemo ? withoutPackageKeys(operation) : operation));
  setHandler(challengeQuery, (member) => {
    if (member === undefined || operation.package === null || !targets.includes(member) || preApprovalOf(member) || policyOf(member).approvals <= 0) return null;
    const memberWorkflowId = memberSyncWorkflowId(workflowId, member);
    return { challenge: approvalChallenge({ workflowId: memberWorkflowId, member, subject: operation.package.digest, decision: 'approve' }) };
  });
  upsertSearchAttributes([
    { key: KeySyncCluster, value: cluster.id },
    { key: KeySyncMembers, value: [input.source, ...targets] },
    { key: KeySyncKind, value: operation.kind },
    { key: KeySyncState, value: 'running' },
  ]);
  // The availability gate waits on this sync's end: its archiving (and its members') starts now, not last.
  const archiveFirst = input.automatic === 'avail';
  const archiving = archiveFirst ? archiveThisHistoryFirst() : null;
  const finish = (state: OperationStatus, message?: string): KeySyncResult => {
    operation.state = state;
    if (message !== undefined) operation.message = message;
    upsertSearchAttributes([{ key: KeySyncState, value: state }]);
    return operation;
  };
  const agentOptions = (member: string): AgentCallOptions => ({ cluster: cluster.id, member, timing, heartbeats: false });
  // The source is not a target, so it has no member state: its absence shows in the operation's message.
  const sourceOptions: AgentCallOptions = {
    ...agentOptions(input.source),
    hooks: {
      onWaitingForNode: async () => {
        operation.message = `Waiting for the agent of the source ${input.source}: start it (npm run worker -- --member ${input.source}).`;
        // Nothing has been exported or started before the source answers: a new run with the same input loses nothing.
        if (workflowInfo().historyLength >= timing.continueAsNewAfterEvents) await continueAsNew<typeof keySyncWorkflow>({ ...input, cluster });
      },
      onNodeBack: () => {
        delete operation.message;
      },
      onAttempt: () => {
        delete operation.message;
      },
      onRetry: (error) => {
        operation.message = `The source ${input.source} failed (${error.type}: ${error.message}); retrying.`;
      },
    },
  };

  // A sync of named keys reads only their groups on each member: the plan looks at no other (a repair looks at every group).
  const surveyScope: SurveyTokenInput = input.keyIds && !input.repair ? { keyIds: input.keyIds } : {};
  // Asked once, before the first command: histories recorded before capabilities existed replay without them.
  const withCapabilities = patched(capabilitiesPatch);
  const capabilities: Record<string, TokenCapabilities> = {};

  try {
    // Pre-flight: nothing is exported before every reachable target has proved it shares the source's cluster secrets.
    const inventories: Inventories = {};
    const reachable: string[] = [];
    const sourceHasNoSecrets = (): KeySyncResult => {
      for (const member of targets) fail(member, 'wrong-cluster', `The source ${input.source} holds no cluster transfer secrets, so it cannot export.`);
      return finish('failed', `The source ${input.source} holds no cluster transfer secrets; nothing was exported.`);
    };
    const sourceCapabilitiesCall = (): Promise<void> | undefined =>
      withCapabilities
        ? callAgent(sourceOptions, (agent) => agent.reportCapabilities()).then((reported) => {
            capabilities[input.source] = reported;
          })
        : undefined;
    const admit = (member: string, known: KeyGroup[] | 'unknown' | 'failed'): void => {
      if (known !== 'failed') reachable.push(member);
      inventories[member] = known === 'failed' || known === 'unknown' ? null : known;
    };
    let sourceInventory: KeyGroup[];
    if (patched(surveyInOneCallPatch)) {
      // One call per member (surveyToken), and none for a member the starting workflow's survey has just seen.
      const surveyed = new Map((input.surveyed ?? []).map((survey) => [survey.member, survey]));
      const [source, reports] = await Promise.all([
        surveyed.get(input.source) ?? callAgent(sourceOptions, (agent) => agent.surveyToken(surveyScope)),
        Promise.all(targets.map(async (member): Promise<TargetReport> => surveyed.get(member) ?? surveyTarget(member, true))),
      ]);
      const sourceKcv = source.kcv;
      if (sourceKcv === null) return sourceHasNoSecrets();
      capabilities[input.source] = source.capabilities;
      targets.forEach((member, index) => admit(member, judgeTarget(member, reports[index] as TargetReport, sourceKcv)));
      sourceInventory = source.inventory;
    } else if (patched(preflightAtOncePatch)) {
      // Every member's check values, inventory and capabilities in one round: the targets' are judged once the source's are in.
      const [sourceKcv, inventory, , reports] = await Promise.all([
        callAgent(sourceOptions, (agent) => agent.reportClusterSecrets()),
        callAgent(sourceOptions, (agent) => agent.inventoryKeys()),
        sourceCapabilitiesCall(),
        Promise.all(targets.map((member) => surveyTarget(member, false))),
      ]);
      if (sourceKcv === null) return sourceHasNoSecrets();
      targets.forEach((member, index) => admit(member, judgeTarget(member, reports[index] as TargetReport, sourceKcv)));
      sourceInventory = inventory;
    } else {
      const sourceKcv = await callAgent(sourceOptions, (agent) => agent.reportClusterSecrets());
      if (sourceKcv === null) return sourceHasNoSecrets();
      [sourceInventory] = await Promise.all([
        callAgent(sourceOptions, (agent) => agent.inventoryKeys()),
        sourceCapabilitiesCall(),
        ...targets.map(async (member) => admit(member, await preflightTarget(member, sourceKcv))),
      ]);
    }
    inventories[input.source] = sourceInventory;
    const keyIds = input.repair ? duplicatedKeyIds(sourceInventory) : input.keyIds;

    // Retired keys (a standing tombstone) the source still holds: left out, unless an operator's
    // sync names them (keyIds), which restores them and lifts their tombstones once a target holds them.
    let restoring: Tombstone[] = [];
    // Set when the look-up runs beside the export and the imports: awaited before the tombstones are lifted.
    let restoringLater: Promise<Tombstone[]> | undefined;
    let retiredNote = '';
    if (patched(tombstonesPatch)) {
      const named = new Set(input.automatic ? [] : (input.keyIds ?? []).map((id) => id.toLowerCase()));
      // A routine sync of a cluster of many keys asks about the few it could act on, one describe each, not about all of them.
      const asked = patched(tombstonesOfTouchedKeysPatch) ? keysASyncCouldTouch(widestPlan(input, reachable, keyIds, inventories), sourceInventory, named) : sourceInventory;
      const restoringOf = (tombstones: readonly Tombstone[]): Tombstone[] =>
        tombstones.filter((tombstone) => sourceInventory.some((group) => named.has(group.id.toLowerCase()) && tombstoneOf([tombstone], group)));
      // A sync that names its keys acts on named keys only, and naming a retired key restores it: no
      // tombstone leaves a key out, and the look-up only says which to lift once a target holds the
      // key. So it runs beside the export and the imports (a task-queue activity: a local one would
      // hold back the export's scheduling), not before them.
      if (named.size > 0 && !input.repair && patched(tombstonesBesideImportsPatch)) {
        restoringLater = standingTombstones(cluster.id, asked).then(restoringOf);
        // Awaited after the imports; an end before them (nothing to do, a failed source) leaves it unawaited, which is not an error.
        restoringLater.catch(() => undefined);
      } else {
        const tombstones = await standingTombstones(cluster.id, asked, { local: patched(tombstonesLocalPatch) });
        const leftOut = sourceInventory.filter((group) => tombstoneOf(tombstones, group) !== undefined && !named.has(group.id.toLowerCase()));
        restoring = restoringOf(tombstones);
        inventories[input.source] = sourceInventory.filter((group) => !leftOut.includes(group));
        if (leftOut.length > 0) {
          retiredNote = ` Left out ${leftOut.map((group) => `${group.label} (${group.class} ${group.id})`).join(', ')}: retired through KeySync; name it in keyIds to restore it.`;
        }
      }
    }

    // The wrap format every taking-part target shares with the source; the others fail here, before any export.
    let participating = targets.filter((member) => reachable.includes(member));
    let wrapFormat: WrapFormat | undefined;
    const sourceCapabilities = capabilities[input.source];
    if (sourceCapabilities) {
      const decision = decideWrapFormat(
        { member: input.source, capabilities: sourceCapabilities },
        participating.flatMap((member) => (capabilities[member] ? [{ member, capabilities: capabilities[member] }] : [])),
      );
      for (const { member, detail } of decision.unsupported) fail(member, 'unsupported-mechanism', detail);
      participating = participating.filter((member) => !decision.unsupported.some((unsupported) => unsupported.member === member));
      wrapFormat = decision.format ?? undefined;
      if (decision.format !== null) operation.wrapFormat = decision.format;
      operation.tokens = [input.source, ...targets]
        .filter((member) => capabilities[member] !== undefined)
        .map((member) => tokenInUse(member, member === input.source ? 'source' : 'target', capabilities[member] as TokenCapabilities, decision.format));
    }

    // Keys a target holds with another label or certificate than the source's are brought to it (updates.labels: false for automatic syncs).
    const updates = patched(keyUpdatesPatch) ? syncUpdates(input) : undefined;
    const { plan, notHeld } = withoutKeysNotHeld(
      planSync({ source: input.source, targets: participating, keyIds, inventories, ...(updates ? { updates } : {}) }),
      inventories[input.source] ?? [],
      capabilities,
    );
    operation.notExportable = plan.notExportable;
    const toSync: TargetPlan[] = [];
    for (const target of plan.targets) {
      const unsupportedKeys = notHeld[target.member];
      if (unsupportedKeys) summaryOf(target.member).unsupportedKeys = unsupportedKeys;
      if (target.missing.length > 0 || target.duplicated.length > 0 || target.differs.length > 0) {
        toSync.push(target);
      } else if (target.conflicts.length > 0) {
        const ids = target.conflicts.map((conflict) => `${conflict.label} (${conflict.class} ${conflict.id})`).join(', ');
        Object.assign(summaryOf(target.member), { state: 'failed', reason: 'conflict', detail: `${target.member} holds other keys under the ids of ${ids}. ${adviceFor('conflict')}` });
      } else if (unsupportedKeys) {
        fail(target.member, 'unsupported-mechanism', unsupportedKeysText(target.member, unsupportedKeys));
      } else {
        summaryOf(target.member).state = 'in-sync';
      }
    }
    const notes = notesOf(plan.notExportable.length, plan.unknownKeyIds) + retiredNote;
    if (plan.selection.length === 0) {
      const unsupported = operation.members.filter((summary) => summary.reason === 'unsupported-mechanism').map((summary) => summary.member);
      const nothing = input.repair
        ? `Nothing to repair: ${input.source} holds no exportable key in identical surplus copies.${notes}`
        : unsupported.length > 0
          ? `Nothing was exported: ${unsupported.join(', ')} cannot take what the source ${input.source} would send (unsupported-mechanism), and every other reachable target already holds the selected keys.${notes}`
          : `Nothing to do: every reachable target already holds the selected keys.${notes}`;
      return finish(overallState(operation), nothing);
    }

    const exported = await callAgent(sourceOptions, (agent) =>
      agent.exportKeys({ operationId: workflowId, keys: plan.selection, ttlSeconds: cluster.policy.packageTtlSeconds, ...(wrapFormat ? { wrapFormat } : {}) }),
    );
    // The keys travel with the digest so an approver reads what the package holds, not only a count.
    operation.package = { digest: exported.package.digest, keyCount: exported.package.keyCount, keys: exported.entries.map(({ class: keyClass, id, label, fingerprint }) => ({ class: keyClass, id, label, fingerprint })) };
    packageKeysInMemo = publishPackageKeys(operation.package.keys ?? []);
    if (exported.wrapFormat && operation.tokens) {
      // The format the source actually wrapped with (the chosen one; its own preferred when no target reported).
      const used = exported.wrapFormat;
      operation.wrapFormat = used;
      operation.tokens = operation.tokens.map((token) => tokenInUse(token.member, token.role, capabilities[token.member] as TokenCapabilities, used));
    }
    const packaged = new Map(exported.entries.map((entry) => [`${entry.class}:${entry.id.toLowerCase()}`, entry]));
    for (const key of exported.notExportable) {
      const group = sourceInventory.find((candidate) => candidate.class === key.class && candidate.id.toLowerCase() === key.id.toLowerCase());
      if (group && !operation.notExportable.some((known) => known.class === key.class && known.id === keyRef(group).id)) {
        operation.notExportable.push(keyRef(group));
      }
    }

    await runBounded(toSync, cluster.policy.parallelism, async (target) => {
      const summary = summaryOf(target.member);
      const expected: KeyRef[] = [...target.missing, ...target.duplicated]
        .map((key) => packaged.get(`${key.class}:${key.id}`))
        .filter((entry): entry is KeyRef => entry !== undefined);
      const toUpdate = target.differs.filter((key) => packaged.has(`${key.class}:${key.id}`));
      const childId = memberSyncWorkflowId(workflowId, target.member);
      summary.workflowId = childId;
      try {
        const result = await executeChild<MemberSyncWorkflow>(workflowTypes.memberSync, {
          workflowId: childId,
          args: [
            {
              cluster: cluster.id,
              member: target.member,
              operationId: workflowId,
              requestedBy: input.requestedBy,
              reason: input.reason,
              package: exported.package,
              expected,
              knownConflicts: target.conflicts,
              ...(notHeld[target.member] ? { unsupportedKeys: notHeld[target.member] } : {}),
              ...(updates && toUpdate.length > 0 ? { update: { labels: updates.labels, certificates: updates.certificates, keys: toUpdate } } : {}),
              approvers: cluster.approvers,
              policy: policyOf(target.member),
              preApproval: preApprovalOf(target.member),
              timing: input.timing,
              ...(archiveFirst ? { archiveFirst } : {}),
            },
          ],
        });
        Object.assign(summary, {
          state: result.state,
          reason: result.reason,
          detail: result.detail,
          keysImported: result.keysImported,
          keysSkipped: result.keysSkipped,
          ...(result.keysUpdated !== undefined ? { keysUpdated: result.keysUpdated } : {}),
          ...(result.notUpdated ? { notUpdated: result.notUpdated } : {}),
          attempts: result.attempts,
          ...(result.copiesRemoved ? { copiesRemoved: result.copiesRemoved } : {}),
          ...(result.unsupportedKeys ? { unsupportedKeys: result.unsupportedKeys } : {}),
          ...(result.invalidKeys ? { invalidKeys: result.invalidKeys } : {}),
        });
      } catch (error) {
        if (isCancellation(error)) fail(target.member, 'cancelled', `The sync of ${target.member} was cancelled.`);
        else fail(target.member, 'hsm-error', `The sync of ${target.member} ended abnormally: ${error instanceof Error ? error.message : String(error)}.`);
      }
    });
    // Every lane has waited for its child to stop; a cancelled operation ends cancelled, not failed.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('the key sync was cancelled');
    if (restoringLater) restoring = await restoringLater;
    const restored = restoring.filter((tombstone) => packaged.has(`${tombstone.key.class}:${tombstone.key.id}`));
    let liftNote = '';
    if (restored.length > 0 && operation.members.some((summary) => summary.state === 'in-sync')) {
      await liftTombstones(restored, { operationId: workflowId, requestedBy: input.requestedBy });
      liftNote = ` Restored retired ${restored.map((tombstone) => `${tombstone.key.label} (${tombstone.key.class} ${tombstone.key.id})`).join(', ')}: tombstone lifted.`;
    }
    return finish(overallState(operation), (notes + liftNote).trim() || undefined);
  } catch (error) {
    if (isCancellation(error)) {
      for (const summary of operation.members) {
        if (summary.state !== 'in-sync' && summary.state !== 'failed') fail(summary.member, 'cancelled', `The sync of ${summary.member} was cancelled.`);
      }
      finish('cancelled');
      throw error;
    }
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      // The source failed for good (bad PIN, HSM refusal...): no target can be synced from it.
      const reason = reasonForFailureType(error.type ?? '');
      for (const summary of operation.members) {
        if (summary.state !== 'in-sync' && summary.state !== 'failed') fail(summary.member, reason, `The source ${input.source} failed: ${error.message}`);
      }
      return finish('failed', `The source ${input.source} failed: ${error.message}`);
    }
    throw error;
  } finally {
    view.last();
    // A join's key sync (approved by the join) is told by the join's end.
    await Promise.all([input.preApprovals ? undefined : announceEnded(operation), archiving ?? archiveThisHistoryWhenClosed()]);
  }

  /** What a target reported in the one-round pre-flight: its agent away (`unknown`), a final failure (`failed`), or its answers. */
  type TargetReport = 'unknown' | 'failed' | { kcv: ClusterSecretsKcv | null; inventory: KeyGroup[]; capabilities: TokenCapabilities | null };

  /** A target's check values, inventory and capabilities, asked at once (none of them changes the token): in one call, or three before that. */
  async function surveyTarget(member: string, inOneCall: boolean): Promise<TargetReport> {
    const summary = summaryOf(member);
    const options = { ...agentOptions(member), probeOnce: true as const, hooks: { onWaitingForNode: () => void (summary.state = 'waiting-for-node') } };
    try {
      if (inOneCall) return (await callAgent(options, (agent) => agent.surveyToken(surveyScope))) ?? 'unknown';
      const [report, inventory, reported] = await Promise.all([
        callAgent(options, async (agent) => ({ kcv: await agent.reportClusterSecrets() })),
        callAgent(options, (agent) => agent.inventoryKeys()),
        withCapabilities ? callAgent(options, (agent) => agent.reportCapabilities()) : null,
      ]);
      if (report === null || inventory === null) return 'unknown';
      return { kcv: report.kcv, inventory, capabilities: reported ?? null };
    } catch (error) {
      if (error instanceof ApplicationFailure && error.nonRetryable) {
        fail(member, reasonForFailureType(error.type ?? ''), `${member} failed its pre-flight: ${error.message}`);
        return 'failed';
      }
      throw error;
    }
  }

  /** A target takes part only with the source's cluster secrets; its inventory and capabilities count only then. */
  function judgeTarget(member: string, report: TargetReport, sourceKcv: ClusterSecretsKcv): KeyGroup[] | 'unknown' | 'failed' {
    if (report === 'unknown' || report === 'failed') return report;
    if (report.kcv === null || !sameKcv(report.kcv, sourceKcv)) {
      const what = report.kcv === null ? 'holds no cluster transfer secrets' : "holds cluster transfer secrets other than the source's";
      fail(member, 'wrong-cluster', `${member} ${what} (check values differ); nothing was exported for it.`);
      return 'failed';
    }
    if (report.capabilities) capabilities[member] = report.capabilities;
    summaryOf(member).state = 'pending';
    return report.inventory;
  }

  /** A target's cluster secrets and inventory, `unknown` when its agent is away, `failed` when it cannot take part. */
  async function preflightTarget(member: string, sourceKcv: ClusterSecretsKcv): Promise<KeyGroup[] | 'unknown' | 'failed'> {
    const summary = summaryOf(member);
    const onWaitingForNode = (): void => {
      summary.state = 'waiting-for-node';
    };
    const options = { ...agentOptions(member), probeOnce: true as const, hooks: { onWaitingForNode } };
    try {
      const report = await callAgent(options, async (agent) => ({ kcv: await agent.reportClusterSecrets() }));
      if (report === null) return 'unknown';
      if (report.kcv === null || !sameKcv(report.kcv, sourceKcv)) {
        const what = report.kcv === null ? 'holds no cluster transfer secrets' : "holds cluster transfer secrets other than the source's";
        fail(member, 'wrong-cluster', `${member} ${what} (check values differ); nothing was exported for it.`);
        return 'failed';
      }
      const [inventory, reported] = await Promise.all([
        callAgent(options, (agent) => agent.inventoryKeys()),
        withCapabilities ? callAgent(options, (agent) => agent.reportCapabilities()) : null,
      ]);
      if (reported) capabilities[member] = reported;
      summary.state = 'pending';
      return inventory ?? 'unknown';
    } catch (error) {
      if (error instanceof ApplicationFailure && error.nonRetryable) {
        fail(member, reasonForFailureType(error.type ?? ''), `${member} failed its pre-flight: ${error.message}`);
        return 'failed';
      }
      throw error;
    }
  }
}

function overallState(operation: OperationState): OperationStatus {
  return operation.members.every((member) => member.state === 'in-sync') ? 'completed' : 'failed';
}

function notesOf(notExportable: number, unknownKeyIds: readonly string[]): string {
  let notes = '';
  if (notExportable > 0) notes += ` ${notExportable} selected key(s) are not exportable (CKA_EXTRACTABLE false) and were left out: see notExportable.`;
  if (unknownKeyIds.length > 0) notes += ` The source holds no key with id ${unknownKeyIds.join(', ')}.`;
  return notes;
}

/**
 * The plan over the whole source inventory and every reachable target, with the updates a new sync
 * makes: what any later narrowing (retired keys left out, targets without the wrap format, keys a
 * target cannot hold) can only shrink.
 */
function widestPlan(input: KeySyncInput, reachable: readonly string[], keyIds: string[] | undefined, inventories: Inventories): SyncPlan {
  const updates = syncUpdates(input);
  return planSync({ source: input.source, targets: [...reachable], keyIds, inventories, ...(updates ? { updates } : {}) });
}

/** The ids of the keys a member holds in identical surplus copies: what its repair packages. */
function duplicatedKeyIds(inventory: readonly KeyGroup[]): string[] {
  return [...new Set(inventory.filter((group) => (group.duplicates ?? 0) > 0).map((group) => group.id.toLowerCase()))];
}

/** The API's rules for a sync request (an input typed in the Temporal UI never passed the API). */
function validateKeySyncInput(input: KeySyncInput, cluster: ClusterSnapshot): void {
  const problems = syncRequestProblems(input, cluster);
  if (problems.length > 0) {
    throw ApplicationFailure.create({ type: 'invalid-input', message: `Cannot start this key sync: ${describeProblems(problems)}.`, nonRetryable: true });
  }
  // A survey stands in for the members' own answers only when a workflow of ours took it and started this sync.
  if (input.surveyed !== undefined && workflowInfo().parent === undefined) {
    throw ApplicationFailure.create({
      type: 'invalid-input',
      message: 'Cannot start this key sync: surveyed is set only by the drift watch or availability request that starts the sync as its child. Leave it out; the sync asks every member itself.',
      nonRetryable: true,
    });
  }
}

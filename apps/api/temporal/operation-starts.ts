// What the API starts for each operation, built from a request the controller has already checked:
// the workflow, its id (derived from the request, so a retry addresses the same workflow), its
// input, the request as hashed for idempotency, and the memo the API answers from when no worker
// does. Pure: the OperationStarter sends these through the TemporalGateway.
import type { ClusterConfig } from '../../../libs/config/types';
import { syncPolicyOf } from '../../../libs/contract/cluster';
import type { JoinInput, KeySyncInput, MemberSyncInput } from '../../../libs/contract/operation-inputs';
import type { KeyRef } from '../../../libs/contract/keys';
import type { RetireInput } from '../../../libs/contract/retire';
import { joinWorkflowId, keySyncWorkflowId, memberSyncWorkflowId, retireWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import type { PackageFile } from '../../../libs/package-format';
import { clusterSnapshot } from './cluster-snapshot';
import type { StartRequest } from './operation-starter';

export interface SyncStart {
  cluster: ClusterConfig;
  /** From the principal and the Idempotency-Key (syncs/sync-id.ts). */
  syncId: string;
  source: string;
  /** As requested; absent: every other member, decided by the workflow. */
  targets?: string[];
  /** The members it goes to, as the request rules resolved them. */
  resolvedTargets: string[];
  keyIds?: string[];
  requestedBy: string;
  reason: string;
}

export function syncStart(sync: SyncStart): StartRequest {
  const { cluster } = sync;
  const input: KeySyncInput = {
    cluster: clusterSnapshot(cluster),
    source: sync.source,
    ...(sync.targets ? { targets: sync.targets } : {}),
    ...(sync.keyIds ? { keyIds: sync.keyIds.map((id) => id.toLowerCase()) } : {}),
    requestedBy: sync.requestedBy,
    reason: sync.reason,
  };
  return {
    workflowType: workflowTypes.keySync,
    workflowId: keySyncWorkflowId(cluster.id, sync.syncId),
    args: [input],
    request: { cluster: cluster.id, source: sync.source, targets: sync.targets ?? null, keyIds: input.keyIds ?? null, reason: sync.reason },
    memo: { requestedBy: sync.requestedBy, cluster: cluster.id, members: [sync.source, ...sync.resolvedTargets] },
    kind: 'sync',
    reusePolicy: 'REJECT_DUPLICATE',
  };
}

export interface RepairStart {
  cluster: ClusterConfig;
  syncId: string;
  member: string;
  requestedBy: string;
  reason: string;
}

/** A keySync of the member onto itself (repair.controller.ts says why). */
export function repairStart(repair: RepairStart): StartRequest {
  const { cluster, member } = repair;
  // No targets: the workflow makes the member its own only target when repair is set.
  const input: KeySyncInput = { cluster: clusterSnapshot(cluster), source: member, repair: true, requestedBy: repair.requestedBy, reason: repair.reason };
  return {
    workflowType: workflowTypes.keySync,
    workflowId: keySyncWorkflowId(cluster.id, repair.syncId),
    args: [input],
    request: { cluster: cluster.id, member, repair: true, reason: repair.reason },
    // [source, ...targets] as for a sync (the workflow's KeySyncMembers too): the reader's memo fallback lists members after the first.
    memo: { requestedBy: repair.requestedBy, cluster: cluster.id, members: [member, member] },
    kind: 'repair',
    reusePolicy: 'REJECT_DUPLICATE',
  };
}

export interface JoinStart {
  cluster: ClusterConfig;
  member: string;
  sponsor: string;
  requestedBy: string;
  reason: string;
}

/** join:<cluster>:<member>: a retried join finds the same operation; a failed one may start again. */
export function joinStart(join: JoinStart): StartRequest {
  const { cluster } = join;
  const input: JoinInput = { cluster: clusterSnapshot(cluster), member: join.member, sponsor: join.sponsor, requestedBy: join.requestedBy, reason: join.reason };
  return {
    workflowType: workflowTypes.join,
    workflowId: joinWorkflowId(cluster.id, join.member),
    args: [input],
    request: { cluster: cluster.id, member: join.member, sponsor: join.sponsor, reason: join.reason },
    memo: { requestedBy: join.requestedBy, cluster: cluster.id, members: [join.member, join.sponsor] },
    kind: 'join',
    reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  };
}

export interface UploadStart {
  cluster: ClusterConfig;
  member: string;
  /** The checked file and where the package store keeps it. */
  file: PackageFile;
  stored: { digest: string; size: number };
  requestedBy: string;
  reason: string;
}

/** A memberSync of its own, its id from the package digest and the member: the same file twice starts nothing new. */
export function uploadStart(upload: UploadStart): StartRequest {
  const { cluster, member, stored } = upload;
  const workflowId = memberSyncWorkflowId(keySyncWorkflowId(cluster.id, `upload-${stored.digest.slice(0, 32)}`), member);
  const packageRef = { digest: stored.digest, size: stored.size, keyCount: upload.file.entries.length };
  const keys = upload.file.entries.map((entry) => ({ class: entry.class, id: entry.id, label: entry.label, fingerprint: entry.fingerprint }));
  const input: MemberSyncInput = {
    cluster: cluster.id,
    member,
    operationId: workflowId,
    requestedBy: upload.requestedBy,
    reason: upload.reason,
    package: packageRef,
    expected: keys,
    approvers: cluster.approvers.map((approver) => ({ id: approver.id, publicKey: approver.publicKey })),
    policy: syncPolicyOf(cluster.policy, member),
  };
  return {
    workflowType: workflowTypes.memberSync,
    workflowId,
    args: [input],
    request: { cluster: cluster.id, member, digest: stored.digest },
    memo: { requestedBy: upload.requestedBy, cluster: cluster.id, members: [member], package: { digest: stored.digest, keyCount: packageRef.keyCount, keys } },
    kind: 'member-sync',
    reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  };
}

export interface RetireStart {
  cluster: ClusterConfig;
  /** From the principal and the Idempotency-Key, as a sync's (syncs/sync-id.ts). */
  retireId: string;
  /** The key as the members' inventories showed it (libs/contract/retire.ts locateRetireTarget). */
  key: KeyRef;
  exportable: boolean;
  holders: string[];
  allowWithoutRecovery: boolean;
  requestedBy: string;
  reason: string;
}

/** retire:<cluster>:<retireId>: every member takes part, so every member's audit trail lists it. */
export function retireStart(retire: RetireStart): StartRequest {
  const { cluster, key } = retire;
  const input: RetireInput = {
    cluster: clusterSnapshot(cluster),
    key,
    exportable: retire.exportable,
    holders: retire.holders,
    ...(retire.allowWithoutRecovery ? { allowWithoutRecovery: true } : {}),
    requestedBy: retire.requestedBy,
    reason: retire.reason,
  };
  return {
    workflowType: workflowTypes.retire,
    workflowId: retireWorkflowId(cluster.id, retire.retireId),
    args: [input],
    request: { cluster: cluster.id, class: key.class, keyId: key.id, allowWithoutRecovery: retire.allowWithoutRecovery, reason: retire.reason },
    memo: { requestedBy: retire.requestedBy, cluster: cluster.id, members: cluster.members.map((member) => member.id) },
    kind: 'retire',
    reusePolicy: 'REJECT_DUPLICATE',
  };
}

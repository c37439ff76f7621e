// What the API shows of a cluster's configuration: ids, labels, public keys and policies. Never
// a PIN source, a module path or a token hash.
import { ApiProperty } from '@nestjs/swagger';
import type { ClusterConfig } from '../../../libs/config/types';
import { driftModes } from '../../../libs/contract/drift';
import type { DriftMode } from '../../../libs/contract/drift';
import { defaultRetirePolicy } from '../../../libs/contract/retire';
import { memberTaskQueue } from '../../../libs/contract/task-queues';

export class ClusterSummaryDto {
  @ApiProperty({ example: 'demo' })
  id!: string;

  @ApiProperty({ description: 'The member where the cluster transfer secrets were first generated.', example: 'node1' })
  founder!: string;

  @ApiProperty({ type: [String], example: ['node1', 'node2', 'node3'] })
  members!: string[];
}

export class ClusterListDto {
  @ApiProperty({ type: [ClusterSummaryDto] })
  clusters!: ClusterSummaryDto[];
}

export class MemberDto {
  @ApiProperty({ example: 'node1' })
  id!: string;

  @ApiProperty({
    required: false,
    description: 'The PKCS#11 token label of the member’s HSM, when the API’s configuration names it (a configuration without tokens names only member ids).',
    example: 'keysync-node1',
  })
  tokenLabel?: string;

  @ApiProperty({ description: 'The task queue its node agent polls.', example: 'keysync.demo.node1' })
  taskQueue!: string;
}

export class ApproverDto {
  @ApiProperty({ example: 'approver-1' })
  id!: string;

  @ApiProperty({ description: 'Ed25519 public key, 32 raw bytes in base64.' })
  publicKey!: string;
}

export class ApprovalPolicyDto {
  @ApiProperty({ description: 'Approvals needed (M of the cluster’s N approvers); 0 asks none.', example: 1 })
  approvals!: number;

  @ApiProperty({ description: 'Seconds to wait for them before the member fails with approval-timeout.', example: 3600 })
  timeoutSeconds!: number;
}

export class MemberApprovalPolicyDto extends ApprovalPolicyDto {
  @ApiProperty({ example: 'node2' })
  member!: string;
}

export class DriftPolicyDto {
  @ApiProperty({ enum: driftModes })
  mode!: DriftMode;

  @ApiProperty({ example: 60 })
  intervalSeconds!: number;
}

export class RetirePolicyDto extends ApprovalPolicyDto {
  @ApiProperty({ description: 'Days a retired key’s recovery package stays importable.', example: 30 })
  recoveryDays!: number;
}

export class ClusterPolicyDto {
  @ApiProperty({ type: ApprovalPolicyDto, description: 'Approvals for a key sync, per target member.' })
  sync!: ApprovalPolicyDto;

  @ApiProperty({ type: ApprovalPolicyDto, description: 'Approvals for a join.' })
  join!: ApprovalPolicyDto;

  @ApiProperty({ type: [MemberApprovalPolicyDto], description: 'Members whose sync policy differs from the default.' })
  memberOverrides!: MemberApprovalPolicyDto[];

  @ApiProperty({ description: 'How many members a key sync imports to at once.', example: 4 })
  parallelism!: number;

  @ApiProperty({ description: 'Package lifetime in seconds.', example: 86400 })
  packageTtlSeconds!: number;

  @ApiProperty({ type: DriftPolicyDto })
  drift!: DriftPolicyDto;

  @ApiProperty({ type: RetirePolicyDto, description: 'Approvals of a retire, collected once for every member (default 2), and how long its recovery package is kept (default 30 days).' })
  retire!: RetirePolicyDto;
}

export class ClusterDto {
  @ApiProperty({ example: 'demo' })
  id!: string;

  @ApiProperty({ example: 'node1' })
  founder!: string;

  @ApiProperty({ type: [MemberDto] })
  members!: MemberDto[];

  @ApiProperty({ type: [ApproverDto] })
  approvers!: ApproverDto[];

  @ApiProperty({ type: ClusterPolicyDto })
  policy!: ClusterPolicyDto;
}

export function clusterSummary(cluster: ClusterConfig): ClusterSummaryDto {
  return { id: cluster.id, founder: cluster.founder, members: cluster.members.map((member) => member.id) };
}

export function clusterDetail(cluster: ClusterConfig): ClusterDto {
  const { policy } = cluster;
  return {
    id: cluster.id,
    founder: cluster.founder,
    members: cluster.members.map((member) => ({
      id: member.id,
      ...(member.tokenLabel !== undefined ? { tokenLabel: member.tokenLabel } : {}),
      taskQueue: memberTaskQueue(cluster.id, member.id),
    })),
    approvers: cluster.approvers.map((approver) => ({ id: approver.id, publicKey: approver.publicKey })),
    policy: {
      sync: { approvals: policy.sync.approvals, timeoutSeconds: policy.sync.timeoutSeconds },
      join: { approvals: policy.join.approvals, timeoutSeconds: policy.join.timeoutSeconds },
      memberOverrides: Object.entries(policy.members ?? {}).map(([member, override]) => ({
        member,
        approvals: override.approvals,
        timeoutSeconds: override.timeoutSeconds,
      })),
      parallelism: policy.parallelism,
      packageTtlSeconds: policy.packageTtlSeconds,
      drift: { mode: policy.drift.mode, intervalSeconds: policy.drift.intervalSeconds },
      retire: { ...defaultRetirePolicy, ...(policy.retire ?? {}) },
    },
  };
}

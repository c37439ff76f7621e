// The operation shape of DESIGN section 7, documented once for the OpenAPI spec.
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { approvalVias, decisions } from '../../../libs/contract/approvals';
import type { ApprovalVia, Decision } from '../../../libs/contract/approvals';
import { wrapFormats } from '../../../libs/contract/hsm-capabilities';
import type { WrapFormat } from '../../../libs/contract/hsm-capabilities';
import { keyClasses, oaepHashes } from '../../../libs/contract/keys';
import type { KeyClass, OaepHash } from '../../../libs/contract/keys';
import { joinPhases, memberFailureReasons, memberStates, operationKinds, operationStatuses } from '../../../libs/contract/operations';
import { retirePhases } from '../../../libs/contract/retire';
import type { RetirePhase } from '../../../libs/contract/retire';
import type { JoinPhase, MemberFailureReason, MemberState, OperationKind, OperationStatus } from '../../../libs/contract/operations';

export class StartedOperationDto {
  @ApiProperty({ example: 'sync:demo:0b6f5c1e-9c1b-4c4e-9d61-3f4f0f8f9d2a' })
  operationId!: string;

  @ApiProperty({ enum: operationKinds })
  kind!: OperationKind;
}


export class ApprovalRecordDto {
  @ApiProperty({ example: 'approver-1' })
  approverId!: string;

  @ApiProperty({ enum: decisions })
  decision!: Decision;

  @ApiProperty({ description: 'When the workflow accepted it, ISO 8601.' })
  at!: string;

  @ApiProperty({ enum: approvalVias })
  via!: ApprovalVia;
}

export class ApprovalStatusDto {
  @ApiProperty({ description: 'Approvals the policy asks for.' })
  required!: number;

  @ApiProperty({ type: [ApprovalRecordDto] })
  granted!: ApprovalRecordDto[];

  @ApiPropertyOptional({ description: 'When the wait ends in approval-timeout, ISO 8601.' })
  deadline?: string;

  @ApiPropertyOptional({ description: 'The operation whose approvals cover this one (a join covers its key sync).' })
  coveredBy?: string;
}

export class KeyRefDto {
  @ApiProperty({ enum: keyClasses })
  class!: KeyClass;

  @ApiProperty({ description: 'CKA_ID, hex.' })
  id!: string;

  @ApiProperty()
  label!: string;

  @ApiProperty()
  fingerprint!: string;
}

export class PackageSummaryDto {
  @ApiProperty({ description: 'SHA-256 of the package file, hex: its name in the package store, and what an approver of a sync signs.' })
  digest!: string;

  @ApiProperty()
  keyCount!: number;

  @ApiPropertyOptional({ type: [KeyRefDto], description: 'The keys the package holds (class, CKA_ID, label, fingerprint; never key bytes): what an approval of its digest lets in. Absent in operations recorded before the list was kept.' })
  keys?: KeyRefDto[];
}

export class UnsupportedKeyDto extends KeyRefDto {
  @ApiProperty({ enum: ['unsupported-mechanism'] })
  reason!: 'unsupported-mechanism';

  @ApiProperty({ description: 'What the member’s token lacks for this key.', example: 'no EC curve P-521 (it has P-256, P-384)' })
  detail!: string;
}

export class InvalidKeyDto extends KeyRefDto {
  @ApiProperty({ enum: ['invalid-data'] })
  reason!: 'invalid-data';

  @ApiProperty({ description: 'Which proof failed after unwrap (fingerprint, KCV or HMAC check value); never key bytes.', example: "its check value (KCV) on this token is 1a2b3c, not the package's 4d5e6f" })
  detail!: string;
}

export class NotUpdatedKeyDto extends PickType(KeyRefDto, ['class', 'id', 'label'] as const) {
  @ApiProperty({ description: 'What the member’s module refused (its CKR_* code) and what to do.' })
  reason!: string;
}

export class TokenInUseDto {
  @ApiProperty({ example: 'node3' })
  member!: string;

  @ApiProperty({ enum: ['source', 'target', 'sponsor', 'joining'] })
  role!: 'source' | 'target' | 'sponsor' | 'joining';

  @ApiProperty({ description: 'CK_TOKEN_INFO.manufacturerID.', example: 'Kryoptic Project' })
  manufacturer!: string;

  @ApiProperty({ description: 'CK_TOKEN_INFO.model.' })
  model!: string;

  @ApiProperty({ description: 'The PKCS#11 module as it names itself (CK_INFO), with its version.', example: 'Kryoptic PKCS11 Module 1.5' })
  library!: string;

  @ApiProperty({ enum: wrapFormats, isArray: true, description: 'The wrap formats the token can do, most preferred first.' })
  wrapFormats!: WrapFormat[];

  @ApiPropertyOptional({ description: 'The token’s own mechanism (hex) for the operation’s wrap format.', example: '0x210B' })
  wrapMechanism?: string;

  @ApiPropertyOptional({ enum: oaepHashes, isArray: true, description: 'A join’s tokens: the RSA-OAEP hashes each accepts.' })
  oaepHashes?: OaepHash[];
}

export class OperationMemberDto {
  @ApiProperty({ example: 'node2' })
  member!: string;

  @ApiProperty({ enum: memberStates })
  state!: MemberState;

  @ApiPropertyOptional({ enum: memberFailureReasons })
  reason?: MemberFailureReason;

  @ApiPropertyOptional({ description: 'What happened and what to do, for an operator.' })
  detail?: string;

  @ApiProperty()
  keysImported!: number;

  @ApiProperty()
  keysSkipped!: number;

  @ApiPropertyOptional({
    description:
      'Keys this member held with another label or certificate than the source (drift state differs), brought to the source’s: the new certificate object created before the old one is destroyed. Absent in operations recorded before updates.',
    example: 1,
  })
  keysUpdated?: number;

  @ApiPropertyOptional({
    type: [NotUpdatedKeyDto],
    description: 'Keys whose update this member’s module refused (e.g. CKR_ATTRIBUTE_READ_ONLY): they stay differs, and the rest of the sync went on. Absent: none.',
  })
  notUpdated?: NotUpdatedKeyDto[];

  @ApiPropertyOptional({
    description: 'Identical surplus copies of key objects (key, public key, certificate) that the import removed from this member (a repair, or a sync to a member with drift state duplicated); absent: none.',
    example: 2,
  })
  copiesRemoved?: number;

  @ApiPropertyOptional({ description: 'A retire’s member: the token objects (key, public key, certificate) its destroy removed.', example: 3 })
  objectsDestroyed?: number;

  @ApiProperty({ description: 'Import (or, in a retire, destroy) attempts an agent started.' })
  attempts!: number;

  @ApiPropertyOptional({ description: 'The memberSync workflow that is this member’s audit record of the operation.' })
  workflowId?: string;

  @ApiPropertyOptional({ type: ApprovalStatusDto, description: 'Live approvals, while the member’s workflow can be asked.' })
  approvals?: ApprovalStatusDto;

  @ApiPropertyOptional({ type: [UnsupportedKeyDto], description: 'Keys this member’s token cannot hold (a curve it lacks, an RSA size outside its range, no HMAC): left out for it alone, reason unsupported-mechanism.' })
  unsupportedKeys?: UnsupportedKeyDto[];

  @ApiPropertyOptional({ type: [InvalidKeyDto], description: 'Keys that unwrapped on this member but failed their proof (fingerprint, KCV or HMAC check value): destroyed again, the other keys imported, reason invalid-data.' })
  invalidKeys?: InvalidKeyDto[];
}

export class JoinDetailDto {
  @ApiProperty({ description: 'The member that joins.' })
  member!: string;

  @ApiProperty({ description: 'The member that hands over the cluster transfer secrets.' })
  sponsor!: string;

  @ApiProperty({ enum: joinPhases })
  phase!: JoinPhase;

  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the joining token’s transport public key: what approvers confirm.' })
  transportFingerprint!: string | null;

  @ApiProperty({ type: ApprovalStatusDto })
  approvals!: ApprovalStatusDto;

  @ApiProperty({ nullable: true, type: String, description: 'The key sync that brings every key to the new member.' })
  keySyncWorkflowId!: string | null;

  @ApiPropertyOptional({ enum: oaepHashes, description: 'The RSA-OAEP hash of the cluster secrets’ transfer: sha256 when both tokens have it, else sha1.' })
  oaepHash?: OaepHash;
}

export class RetireDetailDto {
  @ApiProperty({ type: KeyRefDto, description: 'The retired key: class, id, label and fingerprint.' })
  key!: KeyRefDto;

  @ApiProperty({ enum: retirePhases })
  phase!: RetirePhase;

  @ApiProperty({ type: ApprovalStatusDto, description: 'Approvals collected once for the whole operation (member *).' })
  approvals!: ApprovalStatusDto;

  @ApiProperty({ nullable: true, type: String, description: 'The tombstone workflow that records the retirement, once raised.' })
  tombstone!: string | null;
}

export class RecoveryPackageDto {
  @ApiProperty({ description: 'SHA-256 of the recovery package, hex: download it (GET /v1/packages/{digest}) and upload it to a member to restore the key.' })
  digest!: string;

  @ApiProperty({ description: 'When its import is refused, ISO 8601 (policy.retire.recoveryDays after the export).' })
  expiresAt!: string;
}

export class OperationDto {
  @ApiProperty()
  operationId!: string;

  @ApiProperty({ enum: operationKinds })
  kind!: OperationKind;

  @ApiProperty()
  cluster!: string;

  @ApiProperty({ description: 'The principal that started it.' })
  requestedBy!: string;

  @ApiProperty({ enum: operationStatuses })
  state!: OperationStatus;

  @ApiPropertyOptional({ description: 'A sentence for the operator, e.g. that there was nothing to do.' })
  message?: string;

  @ApiProperty({ type: PackageSummaryDto, nullable: true })
  package!: PackageSummaryDto | null;

  @ApiProperty({ type: [OperationMemberDto] })
  members!: OperationMemberDto[];

  @ApiProperty({ type: [KeyRefDto], description: 'Selected keys left out because they are not extractable.' })
  notExportable!: KeyRefDto[];

  @ApiPropertyOptional({ enum: wrapFormats, description: 'The package’s wrap format, one the source and every taking-part target share (aes-kwp: RFC 5649).' })
  wrapFormat?: WrapFormat;

  @ApiPropertyOptional({ type: [TokenInUseDto], description: 'The tokens the operation used, as their agents reported them, with each one’s mechanism for the wrap format. Never key material or PINs.' })
  tokens?: TokenInUseDto[];

  @ApiPropertyOptional({ type: JoinDetailDto })
  join?: JoinDetailDto;

  @ApiPropertyOptional({ type: RetireDetailDto })
  retire?: RetireDetailDto;

  @ApiPropertyOptional({ type: RecoveryPackageDto, nullable: true, description: 'A retire: the recovery package kept before anything was destroyed; null when none was made (not exportable) or not yet.' })
  recoveryPackage?: RecoveryPackageDto | null;
}

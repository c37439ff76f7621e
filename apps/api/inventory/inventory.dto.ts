// GET /v1/clusters/{cluster}/inventory: every member's keys and the drift between them. Public
// data only: labels, ids, types, fingerprints; never key bytes.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { keyClasses } from '../../../libs/contract/keys';

export class CertificateFactsDto {
  @ApiProperty({ description: 'SHA-256 of the certificate DER, hex.' })
  fingerprint!: string;

  @ApiProperty({ description: 'The certificate’s notBefore, ISO 8601 (empty when unreadable): the newest certificate is the reference.', example: '2026-11-29T00:00:00.000Z' })
  notBefore!: string;
}

export class InventoryKeyDto {
  @ApiProperty({ enum: keyClasses })
  class!: string;

  @ApiProperty({ example: 'ec' })
  keyType!: string;

  @ApiPropertyOptional({ description: 'Bits, for RSA and secret keys.', example: 2048 })
  size?: number;

  @ApiPropertyOptional({ example: 'P-256' })
  curve?: string;

  @ApiProperty({ example: 'ca-2026' })
  label!: string;

  @ApiProperty({ description: 'CKA_ID, lower-case hex.', example: '01a2' })
  id!: string;

  @ApiProperty({ description: 'SHA-256 of the public key (RSA/EC) or the KCV (secret keys), hex.' })
  fingerprint!: string;

  @ApiProperty({ type: [String], example: ['sign'] })
  usages!: string[];

  @ApiProperty()
  hasPublicKey!: boolean;

  @ApiProperty()
  hasCertificate!: boolean;

  @ApiProperty({ description: 'False when CKA_EXTRACTABLE is false: it cannot be synced.' })
  exportable!: boolean;

  @ApiPropertyOptional({
    description:
      'Surplus identical copies of this key’s objects on the member (drift state duplicated), left by writers that raced; a sync to the member or POST .../members/{member}/repair removes them. Absent: none.',
    example: 1,
  })
  duplicates?: number;

  @ApiPropertyOptional({
    type: CertificateFactsDto,
    description: 'Private keys: the certificate object with this id (the newest when several differ). Absent: none (or an agent that does not report it; see hasCertificate).',
  })
  certificate?: CertificateFactsDto;

  @ApiPropertyOptional({
    description: 'Other certificate objects with this id, different from `certificate` (left by a replacement that did not finish): the key then differs, and a sync removes them. Absent: none.',
    example: 1,
  })
  otherCertificates?: number;
}

export class LastErrorDto {
  @ApiProperty({ example: 'waiting-for-node' })
  type!: string;

  @ApiProperty()
  message!: string;
}

export class ClusterSecretsKcvDto {
  @ApiProperty({ description: 'Check value of the key transport key (KTK), hex.', example: '1a2b3c' })
  ktkKcv!: string;

  @ApiProperty({ description: 'Check value of the package MAC key (PMK), hex.', example: '4d5e6f' })
  pmkKcv!: string;
}

export class MemberInventoryDto {
  @ApiProperty({ example: 'node2' })
  member!: string;

  @ApiProperty({ type: [InventoryKeyDto], nullable: true, description: 'Null when the member’s agent did not answer.' })
  keys!: InventoryKeyDto[] | null;

  @ApiProperty({ type: Boolean, nullable: true, description: 'False for a token that has not joined the cluster; null when unknown.' })
  hasClusterSecrets!: boolean | null;

  @ApiPropertyOptional({
    type: ClusterSecretsKcvDto,
    description: 'The check values of the cluster transfer secrets on this token: equal on every member of one cluster (a token with others belongs to another cluster). Absent without them.',
  })
  clusterSecretsKcv?: ClusterSecretsKcvDto;

  @ApiPropertyOptional({ type: LastErrorDto, description: 'Why the member did not answer.' })
  error?: LastErrorDto;
}

export class DriftHolderDto {
  @ApiProperty({ example: 'node1' })
  member!: string;

  @ApiProperty()
  fingerprint!: string;

  @ApiProperty()
  exportable!: boolean;

  @ApiPropertyOptional({ description: 'The label of this member’s key object.', example: 'ca-2026' })
  label?: string;

  @ApiPropertyOptional()
  hasCertificate?: boolean;

  @ApiPropertyOptional({ type: CertificateFactsDto, description: 'This member’s certificate object with this id (the newest when several differ).' })
  certificate?: CertificateFactsDto;

  @ApiPropertyOptional({ description: 'Other, different certificate objects with this id on this member.' })
  otherCertificates?: number;
}

export class DriftEntryDto {
  @ApiProperty({ enum: keyClasses })
  class!: string;

  @ApiProperty({ example: '01a2' })
  id!: string;

  @ApiProperty({ example: 'ca-2026' })
  label!: string;

  @ApiProperty({ type: [DriftHolderDto] })
  holders!: DriftHolderDto[];

  @ApiProperty({ type: [String], description: 'Members that answered and lack it.', example: ['node3'] })
  missingOn!: string[];

  @ApiProperty({
    type: [String],
    description: 'Members that hold it with identical surplus copies (drift state duplicated): a sync to them or a repair removes the copies.',
    example: ['node2'],
  })
  duplicatedOn!: string[];

  @ApiProperty({
    description: 'Members hold different keys under this class and id, or one member holds copies of it that differ: an operator decides, nothing is synced or removed.',
  })
  conflicting!: boolean;

  @ApiPropertyOptional({
    type: [String],
    description:
      'Members that hold the same key (class, id and fingerprint) with another label or certificate object than `reference` (drift state differs): a sync from the reference updates them; drift auto heals a certificate difference from the member with the newest certificate and only reports a label difference.',
    example: ['node2'],
  })
  differsOn?: string[];

  @ApiPropertyOptional({ description: 'The holder the others are compared with: the newest certificate (latest notBefore), then the most common label.', example: 'node1' })
  reference?: string;
}

export class ClusterInventoryDto {
  @ApiProperty({ example: 'demo' })
  cluster!: string;

  @ApiProperty({ description: 'When the members were asked, ISO 8601.' })
  checkedAt!: string;

  @ApiProperty({ type: [MemberInventoryDto] })
  members!: MemberInventoryDto[];

  @ApiProperty({ type: [DriftEntryDto], description: 'Keys not held identically, and once, by every member that answered; empty: no drift. Retired keys are not drift.' })
  drift!: DriftEntryDto[];

  @ApiPropertyOptional({
    type: [DriftEntryDto],
    description:
      'Keys retired through KeySync (drift state retired: a standing tombstone) still found on a member: holders still have them (their retire has not reached them, or did not finish), missingOn have let them go. Never synced back by drift auto.',
  })
  retired?: DriftEntryDto[];
}

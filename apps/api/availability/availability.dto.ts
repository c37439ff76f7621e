// GET /v1/clusters/{cluster}/keys/{keyId}/availability: its parameters and answer, each field
// validated and documented by the same decorators.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { ClusterParams } from '../clusters/cluster-params.dto';

/** The longest a caller may hold the request open: beyond it, ask again. */
export const maxWaitSeconds = 120;
const waitPattern = /^(\d{1,6})(ms|s|m)?$/;

export class KeyParams extends ClusterParams {
  @ApiProperty({ description: 'CKA_ID of the key, hex.', example: '01a2' })
  @Matches(/^(?:[0-9a-fA-F]{2}){1,64}$/, { message: 'must be an even number of hex digits (a CKA_ID), at most 128' })
  keyId!: string;
}

export class AvailabilityQueryDto {
  @ApiPropertyOptional({ description: `How long to wait for the key to be on every member: 30s, 2m, 500ms or seconds; at most ${maxWaitSeconds}s. Default: answer at once.`, example: '30s' })
  @IsOptional()
  @Matches(waitPattern, { message: 'must be a duration such as 30s, 2m, 500ms or a number of seconds' })
  wait?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Start a sync from a member that holds the key to those that lack it (operator only).' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'must be true or false' })
  sync?: 'true' | 'false';
}

/** The wait in seconds, or null when it exceeds the limit. */
export function waitSeconds(wait: string | undefined): number | null {
  if (wait === undefined) return 0;
  const match = waitPattern.exec(wait);
  if (!match) return null;
  const amount = Number(match[1]);
  const seconds = match[2] === 'ms' ? amount / 1000 : match[2] === 'm' ? amount * 60 : amount;
  return seconds > maxWaitSeconds ? null : seconds;
}

export class KeyPresenceDto {
  @ApiProperty({ example: 'node2' })
  member!: string;

  @ApiProperty({ enum: ['present', 'missing', 'different', 'unreachable'], description: 'different: the member holds another key under this id.' })
  presence!: 'present' | 'missing' | 'different' | 'unreachable';
}

export class KeyAvailabilityDto {
  @ApiProperty({ example: 'demo' })
  cluster!: string;

  @ApiProperty({ example: '01a2' })
  keyId!: string;

  @ApiProperty({ description: 'The key is on every member with the same fingerprint: safe to use anywhere.' })
  available!: boolean;

  @ApiProperty({ type: [KeyPresenceDto] })
  members!: KeyPresenceDto[];

  @ApiProperty({ type: [String], description: 'Members that lack it, hold another key under its id, or did not answer.', example: ['node3'] })
  lacking!: string[];

  @ApiProperty({ description: 'Members hold different keys under this id: nothing is synced, an operator decides.' })
  conflicting!: boolean;

  @ApiProperty({ description: 'No holder can wrap the key (CKA_EXTRACTABLE false), so it cannot be synced.' })
  notExportable!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The key sync started (or found running) for sync=true.', example: 'sync:demo:avail-4f2c9a0d1e7b3c55' })
  operationId!: string | null;

  @ApiProperty({ description: 'Seconds the answer took.', example: 0.8 })
  waitedSeconds!: number;

  @ApiPropertyOptional({ description: 'When not available: why, and what to do.' })
  message?: string;
}

// GET /v1/clusters/{cluster}/keys/{keyId}/availability: its parameters and answer, each field
// validated and documented by the same decorators.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { EnumField, StringField } from '../validation/fields';
import { keyIdRule, type StringRule } from '../validation/rules';

/** The longest a caller may hold the request open: beyond it, ask again. */
export const maxWaitSeconds = 120;

/**
 * 0-120 seconds, written as seconds (30, 30s), milliseconds (500ms) or minutes (2m). The bound is
 * in the pattern itself, so a wait the spec allows is never refused for its length.
 */
const waitPattern = /^(?:(0|[1-9][0-9]?|1[01][0-9]|120)s?|(0|[1-9][0-9]{0,4}|1[01][0-9]{4}|120000)ms|([0-2])m)$/;
const waitRule: StringRule = {
  pattern: waitPattern,
  minLength: 1,
  maxLength: 8,
  reason: `must be a duration of at most ${maxWaitSeconds}s, such as 30s, 2m, 500ms or a number of seconds`,
};

export class KeyParams extends ClusterParams {
  @StringField(keyIdRule, { description: 'CKA_ID of the key, hex.', example: '01a2' })
  keyId!: string;
}

export class AvailabilityQueryDto {
  @StringField(waitRule, {
    required: false,
    description: `How long to wait for the key to be on every member: 30s, 2m, 500ms or seconds; at most ${maxWaitSeconds}s. Default: answer at once.`,
    example: '30s',
  })
  wait?: string;

  @EnumField(['true', 'false'], { required: false, description: 'Start a sync from a member that holds the key to those that lack it (operator only).' })
  sync?: 'true' | 'false';
}

/** The wait in seconds, or null when it is not a wait this API takes. */
export function waitSeconds(wait: string | undefined): number | null {
  if (wait === undefined) return 0;
  const match = waitPattern.exec(wait);
  if (!match) return null;
  if (match[1] !== undefined) return Number(match[1]);
  if (match[2] !== undefined) return Number(match[2]) / 1000;
  return Number(match[3]) * 60;
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

// The body of POST /v1/clusters/{cluster}/members/{member}/repair: the member and cluster are in
// the path, so the body is only the reason, validated like a sync's.
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class RepairRequestDto {
  @ApiProperty({ description: 'Why: recorded in the member’s history and audit trail.', example: 'duplicates left by overlapping syncs' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}

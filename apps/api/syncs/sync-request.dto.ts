// The body of POST /v1/clusters/{cluster}/syncs: each field validated and documented by the
// same decorators.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches } from 'class-validator';
import { idPattern, idRule } from '../clusters/cluster-params.dto';

export class SyncRequestDto {
  @ApiProperty({ description: 'The member whose keys are copied.', example: 'node1' })
  @IsString()
  @Matches(idPattern, { message: idRule })
  source!: string;

  @ApiPropertyOptional({ type: [String], description: 'Members to sync to; default: every other member.', example: ['node2', 'node3'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(256)
  @Matches(idPattern, { each: true, message: `each target ${idRule}` })
  targets?: string[];

  @ApiPropertyOptional({ type: [String], description: 'CKA_IDs (hex) of the keys to sync; default: every key on the source.', example: ['01a2'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @Matches(/^(?:[0-9a-fA-F]{2}){1,64}$/, { each: true, message: 'each key id must be an even number of hex digits (a CKA_ID)' })
  keyIds?: string[];

  @ApiProperty({ description: 'Why: recorded in every member’s history and audit trail.', example: 'EJBCA CA renewal' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}


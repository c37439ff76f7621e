import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ArchiveRecordDto {
  @ApiProperty({ description: 'SHA-256 of the archived history file.' })
  digest!: string;

  @ApiProperty({ description: 'Position in the archive’s hash chain.' })
  seq!: number;

  @ApiProperty()
  archivedAt!: string;
}

export class AuditEntryDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty()
  runId!: string;

  @ApiProperty({ description: 'Workflow type: keySync, memberSync or join.' })
  workflowType!: string;

  @ApiProperty({ description: 'sync, member-sync or join.' })
  kind!: string;

  @ApiPropertyOptional({ description: 'The operation’s state, or on a memberSync the member’s state.' })
  state?: string;

  @ApiPropertyOptional({ description: 'Temporal’s execution status; absent when only the archive still has the history.' })
  status?: string;

  @ApiPropertyOptional()
  startTime?: string;

  @ApiPropertyOptional()
  closeTime?: string;

  @ApiProperty({ type: ArchiveRecordDto, nullable: true, description: 'Where the audit archive holds the finished history.' })
  archived!: ArchiveRecordDto | null;
}

export class AuditTrailDto {
  @ApiProperty()
  cluster!: string;

  @ApiProperty()
  member!: string;

  @ApiProperty({ type: [AuditEntryDto], description: 'Newest first.' })
  entries!: AuditEntryDto[];
}

// GET /v1/clusters/{cluster}/operations: the cluster's operations, newest first, for the console's
// Operations page, its approvals inbox and its joins in progress.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { operationKinds, operationStatuses } from '../../../libs/contract/operations';
import type { OperationKind, OperationStatus } from '../../../libs/contract/operations';
import { EnumField } from '../validation/fields';

export class OperationListQueryDto {
  @EnumField(operationStatuses, { required: false, description: 'Only the operations in this state. Default: every state.' })
  state?: OperationStatus;
}

export class OperationSummaryDto {
  @ApiProperty({ example: 'sync:demo:0b6f5c1e-9c1b-4c4e-9d61-3f4f0f8f9d2a' })
  operationId!: string;

  @ApiProperty({ enum: operationKinds })
  kind!: OperationKind;

  @ApiProperty({ enum: operationStatuses, description: 'As the operation last recorded it (KeySyncState); GET /v1/operations/{operationId} reads it live.' })
  state!: OperationStatus;

  @ApiProperty({ description: 'When it started, ISO 8601.' })
  startTime!: string;

  @ApiPropertyOptional({ description: 'When its workflow closed, ISO 8601; absent while it runs.' })
  closeTime?: string;

  @ApiPropertyOptional({ description: 'The principal that started it, when the API started it.' })
  requestedBy?: string;

  @ApiProperty({ type: [String], description: 'The members it concerns.' })
  members!: string[];
}

export class OperationListDto {
  @ApiProperty({ example: 'demo' })
  cluster!: string;

  @ApiProperty({ type: [OperationSummaryDto], description: 'Newest first, at most the 200 newest.' })
  operations!: OperationSummaryDto[];
}

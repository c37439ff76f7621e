import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { idPattern, idRule } from '../clusters/cluster-params.dto';
import { ApprovalStatusDto } from './operation.dto';

export class OperationParams {
  @ApiProperty({ description: 'The operation id a start returned, e.g. sync:demo:<syncId> or join:demo:node3.' })
  @IsString()
  operationId!: string;
}

export class ChallengeParams extends OperationParams {
  @ApiProperty({ example: 'node2' })
  @Matches(idPattern, { message: idRule })
  member!: string;
}

export class ApprovalRequestDto {
  @ApiProperty({ description: 'The member whose step is approved.', example: 'node2' })
  @IsString()
  @Matches(idPattern, { message: idRule })
  member!: string;

  @ApiProperty({ enum: ['approve', 'reject'] })
  @IsIn(['approve', 'reject'])
  decision!: 'approve' | 'reject';

  @ApiProperty({
    description: 'Ed25519 signature (64 bytes, base64) of the challenge, ending in the decision (approve or reject).',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{86}==$/, { message: 'must be a 64-byte Ed25519 signature in base64 (88 characters)' })
  signature!: string;
}

export class ChallengeDto {
  @ApiProperty({ example: 'keysync-approval/1|sync:demo:abc:node2|node2|<package digest>|approve' })
  challenge!: string;
}

export class ApprovalAcceptedDto {
  @ApiProperty()
  member!: string;

  @ApiProperty()
  approverId!: string;

  @ApiProperty({ enum: ['approve', 'reject'] })
  decision!: 'approve' | 'reject';

  @ApiProperty({ type: ApprovalStatusDto })
  approvals!: ApprovalStatusDto;
}

export class CancelAcceptedDto {
  @ApiProperty()
  operationId!: string;

  @ApiProperty({ enum: ['cancelling'] })
  state!: 'cancelling';
}

export class WorkflowHistoryDto {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty()
  runId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The history as Temporal’s proto JSON: replay it with Worker.runReplayHistory.' })
  history!: Record<string, unknown>;
}

export class HistoriesDto {
  @ApiProperty()
  operationId!: string;

  @ApiProperty({ type: [WorkflowHistoryDto], description: 'The operation’s workflow first, then each member’s.' })
  histories!: WorkflowHistoryDto[];
}

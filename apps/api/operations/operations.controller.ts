import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { Principal } from '../http/api-request';
import { acceptedAgeMs, statusCacheControlHeader } from '../http/cache-control';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { ApprovalAcceptedDto, ApprovalRequestDto, CancelAcceptedDto, ChallengeDto, ChallengeParams, HistoriesDto, OperationParams } from './approval.dto';
import { ApprovalsService } from './approvals.service';
import { HistoryService } from './history.service';
import { OperationReader } from './operation-reader';
import { OperationDto } from './operation.dto';

@ApiTags('operations')
@Controller('operations/:operationId')
@ApiInvalidInput('invalid-operation-id when the operation id alone is at fault.')
@ApiUnknownId('operation-not-found: no such operation (and for a member, member-not-found).')
@ApiTemporalUnavailable()
export class OperationsController {
  constructor(
    private readonly reader: OperationReader,
    private readonly approvals: ApprovalsService,
    private readonly historyService: HistoryService,
    private readonly temporal: TemporalGateway,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'A sync, a join or a retire: its state and each member’s (any role).' })
  @ApiHeader(statusCacheControlHeader)
  @ApiOkResponse({ type: OperationDto })
  async get(@Param() params: OperationParams, @Headers('cache-control') cacheControl: string | undefined): Promise<OperationDto> {
    return this.reader.read(params.operationId, acceptedAgeMs(cacheControl));
  }

  @Get('approvals/:member/challenge')
  @Roles('approver')
  @ApiOperation({ summary: 'The challenge an approver signs for this member’s step; member * for a retire, approved once for every member (approver).' })
  @ApiOkResponse({ type: ChallengeDto })
  @ApiStateConflict('nothing-to-approve, operation-closed: nothing to approve for that member now, or the operation has ended.')
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator worker answered.')
  async challenge(@Param() params: ChallengeParams): Promise<ChallengeDto> {
    return this.approvals.challenge(params.operationId, params.member);
  }

  @Post('approvals')
  @HttpCode(HttpStatus.OK)
  @Roles('approver')
  @ApiOperation({ summary: 'Approve or reject a member’s step with a signed challenge (approver).' })
  @ApiOkResponse({ type: ApprovalAcceptedDto, description: 'Accepted by the workflow; approvals shows the tally.' })
  @ApiStateConflict(
    'Refused by the workflow for the state of the operation: approval-duplicate, approval-not-awaited, approval-wrong-member (it awaits another member); the message says why. ' +
      'Also nothing-to-approve and operation-closed. ' +
      'A bad signature, an unknown approver or the requester is a 403 (approval-bad-signature, approval-unknown-approver, approval-by-requester, not-a-registered-approver), ' +
      'a malformed approval a 400 (approval-malformed).',
  )
  @ApiJsonBody()
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator worker answered.')
  async approve(@Param() params: OperationParams, @Body() body: ApprovalRequestDto, @CurrentPrincipal() principal: Principal): Promise<ApprovalAcceptedDto> {
    return this.approvals.approve(params.operationId, body, principal);
  }

  @Post('cancel')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator')
  @ApiOperation({ summary: 'Cancel what has not finished (operator); members already in sync stay so.' })
  @ApiAcceptedResponse({ type: CancelAcceptedDto })
  @ApiStateConflict('operation-closed: the operation has already ended.')
  async cancel(@Param() params: OperationParams): Promise<CancelAcceptedDto> {
    const { description } = await this.reader.resolve(params.operationId);
    // A workflow still archiving its history runs on after its operation has ended: ask for both.
    const ended = description.status.name !== 'RUNNING' ? description.status.name.toLowerCase() : (await this.reader.read(params.operationId)).state;
    if (ended !== 'running') {
      throw ApiError.conflict('operation-closed', `Operation ${params.operationId} has already ended (${ended}); there is nothing to cancel.`);
    }
    await this.temporal.cancel(params.operationId);
    return { operationId: params.operationId, state: 'cancelling' };
  }

  @Get('history')
  @Roles('auditor')
  @ApiOperation({ summary: 'The raw workflow histories of the operation, for replay (auditor).' })
  @ApiOkResponse({ type: HistoriesDto })
  async history(@Param() params: OperationParams): Promise<HistoriesDto> {
    return this.historyService.histories(params.operationId);
  }
}

import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { describeProblems, joinRequestProblems } from '../../../libs/contract/request-rules';
import { CurrentPrincipal, Roles } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiError } from '../errors/api-error';
import { ApiInvalidInput, ApiJsonBody, ApiStateConflict, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import type { ApiResponse, Principal } from '../http/api-request';
import { operationLocation } from '../operations/operation-id';
import { StartedOperationDto } from '../operations/operation.dto';
import { OperationStarter } from '../temporal/operation-starter';
import { joinStart } from '../temporal/operation-starts';
import { JoinRequestDto } from './join-request.dto';

@ApiTags('operations')
@Controller('clusters/:cluster/members')
export class MembersController {
  constructor(
    private readonly config: ApiConfig,
    private readonly starter: OperationStarter,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('admin')
  @ApiOperation({
    summary: 'Join a member (Synchronize HSM): transfer the cluster secrets after approval, then sync every key to it (admin).',
    description: 'The operation id is join:<cluster>:<member>, so a retried request finds the same operation; a failed join may be started again.',
  })
  @ApiAcceptedResponse({ type: StartedOperationDto })
  @ApiInvalidInput('Also malformed-json, and a sponsor that is the joining member.')
  @ApiUnknownId('cluster-not-found, member-not-found: no such cluster, or a member or sponsor that is not one of its members.')
  @ApiStateConflict('idempotency-conflict: a join of that member exists for a different request.')
  @ApiJsonBody()
  @ApiTemporalUnavailable()
  async join(
    @Param() params: ClusterParams,
    @Body() body: JoinRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: ApiResponse,
  ): Promise<StartedOperationDto> {
    const cluster = this.config.cluster(params.cluster);
    this.config.member(cluster.id, body.member);
    this.config.member(cluster.id, body.sponsor);
    // The workflow checks its input with the same rules: here they answer 400 before anything starts.
    const problems = joinRequestProblems({ member: body.member, sponsor: body.sponsor, requestedBy: principal.id }, { id: cluster.id, members: cluster.members.map((member) => member.id) });
    if (problems.length > 0) {
      throw ApiError.badRequest('invalid-input', `The request was refused: ${describeProblems(problems)}. Fix these fields and send it again.`, problems);
    }
    const reason = body.reason ?? `join ${body.member}`;
    const { operationId } = await this.starter.startOnce(joinStart({ cluster, member: body.member, sponsor: body.sponsor, requestedBy: principal.id, reason }));
    response.setHeader('location', operationLocation(operationId));
    return { operationId, kind: 'join' };
  }
}

import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth-decorators';
import { MemberParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiInvalidInput, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import { AuditTrailDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('clusters/:cluster/members/:member/audit')
export class AuditController {
  constructor(
    private readonly config: ApiConfig,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('auditor')
  @ApiOperation({ summary: 'A member’s audit trail across all operations, from Temporal visibility and the audit archive (auditor).' })
  @ApiOkResponse({ type: AuditTrailDto })
  @ApiInvalidInput()
  @ApiUnknownId('cluster-not-found, member-not-found: no such cluster or member.')
  @ApiTemporalUnavailable()
  async trail(@Param() params: MemberParams): Promise<AuditTrailDto> {
    this.config.member(params.cluster, params.member);
    return this.audit.trail(params.cluster, params.member);
  }
}

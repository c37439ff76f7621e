// The inventory (DESIGN section 7): per member its keys, and the drift between members. Asked of
// the members' agents through a short clusterInventory workflow (the API holds no HSM).
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ClusterInventoryResult } from '../../../libs/contract/cluster-inventory';
import { Authenticated } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiInvalidInput, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import { runShortWorkflow } from '../temporal/run-short-workflow';
import { inventoryRun } from '../temporal/short-runs';
import { TemporalGateway } from '../temporal/temporal-gateway';
import { ClusterInventoryDto } from './inventory.dto';

@ApiTags('clusters')
@Authenticated()
@Controller('clusters')
export class InventoryController {
  constructor(
    private readonly config: ApiConfig,
    private readonly temporal: TemporalGateway,
  ) {}

  @Get(':cluster/inventory')
  @ApiOperation({
    summary: 'Per member: its keys (label, id, type, fingerprint, certificate); and the drift between members (any role).',
    description:
      'Drift states per key and member: missing (missingOn), different keys under one id (conflicting), identical surplus copies (duplicatedOn), the same key with another label or certificate object than the reference member (differsOn, reference), and retired keys still found on a member (retired). Keys held identically everywhere are not listed in drift.',
  })
  @ApiOkResponse({ type: ClusterInventoryDto })
  @ApiInvalidInput()
  @ApiUnknownId('cluster-not-found: no such cluster.')
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator answered in time.')
  async inventory(@Param() params: ClusterParams): Promise<ClusterInventoryDto> {
    return runShortWorkflow<ClusterInventoryResult>(this.temporal, inventoryRun(this.config.cluster(params.cluster)));
  }
}

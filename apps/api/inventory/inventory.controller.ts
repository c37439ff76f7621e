// The inventory (DESIGN section 7): per member its keys, and the drift between members. Asked of
// the members' agents through a short clusterInventory workflow (the API holds no HSM).
import { randomUUID } from 'node:crypto';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import type { ClusterInventoryInput, ClusterInventoryResult } from '../../../libs/contract/cluster-inventory';
import { KeySyncCluster, KeySyncKind } from '../../../libs/contract/search-attributes';
import { clusterInventoryWorkflowId } from '../../../libs/contract/workflow-ids';
import { workflowTypes } from '../../../libs/contract/workflow-types';
import { Authenticated } from '../auth/auth-decorators';
import { ClusterParams } from '../clusters/cluster-params.dto';
import { ApiConfig } from '../config/api-config';
import { ApiInvalidInput, ApiTemporalUnavailable, ApiUnknownId } from '../openapi/error-answers';
import { clusterSnapshot } from '../temporal/cluster-snapshot';
import { runShortWorkflow } from '../temporal/run-short-workflow';
import { ClusterInventoryDto } from './inventory.dto';

/** One look at every member: a down one is given up on after its probe (3 s), a slow HSM after its deadline. */
const inventoryBoundSeconds = 90;

@ApiTags('clusters')
@Authenticated()
@Controller('clusters')
export class InventoryController {
  constructor(
    private readonly config: ApiConfig,
    private readonly client: Client,
  ) {}

  @Get(':cluster/inventory')
  @ApiOperation({ summary: 'Per member: its keys (label, id, type, fingerprint); and the drift between members (any role).' })
  @ApiOkResponse({ type: ClusterInventoryDto })
  @ApiInvalidInput()
  @ApiUnknownId('cluster-not-found: no such cluster.')
  @ApiTemporalUnavailable('orchestrator-unavailable: no orchestrator answered in time.')
  async inventory(@Param() params: ClusterParams): Promise<ClusterInventoryDto> {
    const cluster = this.config.cluster(params.cluster);
    const input: ClusterInventoryInput = { cluster: clusterSnapshot(cluster) };
    return runShortWorkflow<ClusterInventoryResult>(this.client, {
      workflowType: workflowTypes.clusterInventory,
      workflowId: clusterInventoryWorkflowId(cluster.id, randomUUID()),
      taskQueue: this.config.orchestratorTaskQueue,
      args: [input],
      boundSeconds: inventoryBoundSeconds,
      searchAttributes: [
        { key: KeySyncCluster, value: cluster.id },
        { key: KeySyncKind, value: 'inventory' },
      ],
      what: 'the inventory',
    });
  }
}

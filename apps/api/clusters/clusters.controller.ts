import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/auth-decorators';
import { ApiConfig } from '../config/api-config';
import { ApiInvalidInput, ApiUnknownId } from '../openapi/error-answers';
import { ClusterParams } from './cluster-params.dto';
import { clusterDetail, ClusterDto, ClusterListDto, clusterSummary } from './cluster.dto';

@ApiTags('clusters')
@Authenticated()
@Controller('clusters')
export class ClustersController {
  constructor(private readonly config: ApiConfig) {}

  @Get()
  @ApiOperation({ summary: 'The clusters this server manages (any role).' })
  @ApiOkResponse({ type: ClusterListDto })
  list(): ClusterListDto {
    return { clusters: this.config.keysync.clusters.map(clusterSummary) };
  }

  @Get(':cluster')
  @ApiOperation({ summary: 'A cluster: members, approvers’ public keys and policies (any role).' })
  @ApiOkResponse({ type: ClusterDto })
  @ApiInvalidInput()
  @ApiUnknownId('cluster-not-found: no such cluster.')
  get(@Param() params: ClusterParams): ClusterDto {
    return clusterDetail(this.config.cluster(params.cluster));
  }
}

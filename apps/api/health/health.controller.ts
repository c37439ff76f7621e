import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth-decorators';
import { HealthDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Health of the API, Temporal and each member’s node agent (no token needed).' })
  @ApiOkResponse({ type: HealthDto })
  async get(): Promise<HealthDto> {
    return this.health.health();
  }
}

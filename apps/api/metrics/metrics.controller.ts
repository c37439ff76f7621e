// GET /metrics (Prometheus text format), outside the /v1 prefix where scrapers look for it.
//
// Public, like /v1/health: a Prometheus scraper usually holds no API token, and what is shown is
// counts per cluster, member, kind and state, never a key id, label, fingerprint or principal.
// The cost of an anonymous scrape is bounded by the service's short cache.
import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth-decorators';
import { ApiError } from '../errors/api-error';
import { ErrorBodyDto } from '../errors/error-body.dto';
import type { ApiResponse } from '../http/api-request';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics: keys and drift per member, operations by kind and state, detection to in-sync (no token needed).' })
  // Text for the 200 only; the 503 is the JSON error body, so no @ApiProduces for all.
  @ApiOkResponse({ description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'Temporal did not answer.' })
  async scrape(@Res({ passthrough: true }) response: ApiResponse): Promise<string> {
    try {
      const text = await this.metrics.render();
      response.setHeader('content-type', this.metrics.contentType);
      return text;
    } catch (error) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'metrics-unavailable',
        `The metrics come from Temporal, which did not answer (${error instanceof Error ? error.message : String(error)}). Check that it runs (npm run temporal).`,
      );
    }
  }
}

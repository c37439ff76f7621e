// The body of every error the API answers, documented once for the OpenAPI spec.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({ description: 'The request field at fault, as a dotted path.', example: 'reason' })
  field!: string;

  @ApiProperty({ description: 'Why the field was refused.', example: 'must be a string' })
  reason!: string;
}

export class ErrorBodyDto {
  @ApiProperty({ description: 'Stable, machine-readable error code.', example: 'invalid-input' })
  code!: string;

  @ApiProperty({ description: 'What was wrong and what to do about it.' })
  message!: string;

  @ApiProperty({ description: 'The request id (x-request-id); the server log carries it too.' })
  correlationId!: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto], description: 'Per-field reasons, for invalid input.' })
  details?: ErrorDetailDto[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { idPattern, idRule } from '../clusters/cluster-params.dto';

export class JoinRequestDto {
  @ApiProperty({ description: 'The member that joins: configured in the cluster, its token still without the cluster secrets.', example: 'node3' })
  @IsString()
  @Matches(idPattern, { message: idRule })
  member!: string;

  @ApiProperty({ description: 'A member that holds the cluster secrets and hands them over.', example: 'node1' })
  @IsString()
  @Matches(idPattern, { message: idRule })
  sponsor!: string;

  @ApiPropertyOptional({ description: 'Why: recorded in the history and the audit trail.', example: 'new appliance in rack 2' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  reason?: string;
}

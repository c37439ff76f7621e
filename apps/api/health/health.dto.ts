import { ApiProperty } from '@nestjs/swagger';

export class TemporalHealthDto {
  @ApiProperty({ description: 'Whether the Temporal frontend answered within the deadline.' })
  reachable!: boolean;

  @ApiProperty({ description: 'The Temporal frontend address the API uses.', example: '127.0.0.1:7233' })
  address!: string;
}

export class MemberAgentHealthDto {
  @ApiProperty({ example: 'demo' })
  cluster!: string;

  @ApiProperty({ example: 'node1' })
  member!: string;

  @ApiProperty({
    enum: ['up', 'down'],
    description: "up when the member's task queue keysync.<cluster>.<member> has had a poller recently.",
  })
  agent!: 'up' | 'down';
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'], description: 'ok when Temporal is reachable and every node agent is up.' })
  status!: 'ok' | 'degraded';

  @ApiProperty({ type: TemporalHealthDto })
  temporal!: TemporalHealthDto;

  @ApiProperty({ type: [MemberAgentHealthDto] })
  members!: MemberAgentHealthDto[];
}

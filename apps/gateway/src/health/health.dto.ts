import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'HealthCheck' })
export class HealthCheckDto {
  @ApiProperty()
  ok!: boolean;
  @ApiPropertyOptional({ type: Number, description: 'round trip, when it answered' })
  latencyMs?: number;
  @ApiPropertyOptional({ description: 'why not, when it did not' })
  error?: string;
}

@ApiSchema({ name: 'Health' })
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status!: string;
  @ApiProperty({ type: () => HealthCheckDto })
  nats!: HealthCheckDto;
  @ApiProperty({ type: () => HealthCheckDto })
  postgres!: HealthCheckDto;
}

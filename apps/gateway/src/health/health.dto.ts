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

@ApiSchema({ name: 'ServiceInstanceHealth', description: "One service process's answer to the status request (`<ns>.status` over NATS)" })
export class ServiceInstanceHealthDto {
  @ApiProperty({ description: 'this process among the replicas of its service (host and pid; the registry: its replica id)' })
  instance!: string;
  @ApiProperty({ description: 'version of the hub software it runs' })
  version!: string;
  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
  @ApiProperty({ type: Number })
  uptimeSeconds!: number;
  @ApiProperty({ description: 'it answered' })
  live!: boolean;
  @ApiProperty({ description: 'every readiness check of the process passes (its /health/ready)' })
  ready!: boolean;
  @ApiProperty({ type: [String], description: 'names of the readiness checks that fail (their reasons: `lienthong status`)' })
  failing!: string[];
}

@ApiSchema({ name: 'ServiceHealth' })
export class ServiceHealthDto {
  @ApiProperty({ description: 'at least one process of the service answered' })
  live!: boolean;
  @ApiProperty({ description: 'at least one process of the service is ready' })
  ready!: boolean;
  @ApiProperty({ type: () => [ServiceInstanceHealthDto] })
  instances!: ServiceInstanceHealthDto[];
}

@ApiSchema({ name: 'ServicesHealth', description: 'each hub service, by the answers of its processes within about a second' })
export class ServicesHealthDto {
  @ApiProperty({ type: () => ServiceHealthDto })
  registry!: ServiceHealthDto;
  @ApiProperty({ type: () => ServiceHealthDto })
  router!: ServiceHealthDto;
  @ApiProperty({ type: () => ServiceHealthDto })
  audit!: ServiceHealthDto;
  @ApiProperty({ type: () => ServiceHealthDto })
  dossier!: ServiceHealthDto;
  @ApiProperty({ type: () => ServiceHealthDto })
  gateway!: ServiceHealthDto;
  @ApiProperty({ type: () => ServiceHealthDto })
  attachments!: ServiceHealthDto;
}

@ApiSchema({ name: 'Health' })
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status!: string;
  @ApiProperty({ type: () => HealthCheckDto })
  nats!: HealthCheckDto;
  @ApiProperty({ type: () => HealthCheckDto })
  postgres!: HealthCheckDto;
  @ApiProperty({ type: () => ServicesHealthDto })
  services!: ServicesHealthDto;
}

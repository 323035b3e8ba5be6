import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { HUB_KEY_PURPOSES, SIGNING_ALGS } from '@lt/contracts';

@ApiSchema({ name: 'PublishedHubKey', description: 'public half of a hub key with its purpose and validity' })
export class PublishedHubKeyDto {
  @ApiProperty({ description: '`hub#<keyId>`', example: 'hub#token-2026' })
  kid!: string;
  @ApiProperty()
  keyId!: string;
  @ApiProperty({ enum: HUB_KEY_PURPOSES })
  purpose!: string;
  @ApiProperty({ enum: SIGNING_ALGS, enumName: 'SigningAlg' })
  alg!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'public JWK (no private part)' })
  publicJwk!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' })
  notBefore!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when it stopped signing; null while active' })
  notAfter!: string | null;
  @ApiProperty({ enum: ['active', 'retired'] })
  status!: string;
  @ApiPropertyOptional({ enum: [true], description: 'the single hub key from before the split by purpose' })
  legacy?: true;
}

@ApiSchema({ name: 'HubKeys' })
export class HubKeysDto {
  @ApiProperty({ type: () => [PublishedHubKeyDto] })
  keys!: PublishedHubKeyDto[];
}

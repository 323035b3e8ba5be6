import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'RevokeToken' })
export class RevokeTokenDto {
  @ApiProperty({ description: 'jti of the token (printed by `lienthong token issue`)' })
  jti!: string;
  @ApiPropertyOptional({ description: 'why, kept with the revocation' })
  reason?: string;
  @ApiPropertyOptional({ type: 'integer', description: "the token's expiry (epoch seconds), when known: the revocation is forgotten after it" })
  exp?: number;
}

@ApiSchema({ name: 'TokenRevocation' })
export class TokenRevocationDto {
  @ApiProperty()
  jti!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: "the token's expiry (epoch seconds) when the revoker knew it" })
  exp!: number | null;
  @ApiProperty({ format: 'date-time' })
  revokedAt!: string;
  @ApiProperty({ description: 'sub of the admin token that revoked it' })
  by!: string;
  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;
}

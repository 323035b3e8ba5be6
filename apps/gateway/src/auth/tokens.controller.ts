import { Body, Controller, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { asObject } from '../registry/agencies.controller';
import { CurrentCaller } from './auth.guard';
import { Roles, type Caller } from './roles';
import { TokenRevocations, type TokenRevocation } from './revocations';
import { ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import { RevokeTokenDto, TokenRevocationDto } from './tokens.dto';

@ApiTags('tokens')
@ApiAuthenticatedRpcErrors()
@Controller('v1/tokens')
export class TokensController {
  constructor(@Inject(TokenRevocations) private readonly revocations: TokenRevocations) {}

  @Post('revoke')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Revoke a bearer token by its jti (printed by `lienthong token issue`): every gateway replica refuses it within seconds. Body {jti, reason?, exp?}',
  })
  @ApiBody({ type: RevokeTokenDto })
  @ApiCreatedResponse({ type: TokenRevocationDto, description: 'the revocation' })
  @ApiErrors(422)
  revoke(@Body() body: unknown, @CurrentCaller() caller: Caller): Promise<TokenRevocation> {
    const { jti, reason, exp } = asObject(body);
    return this.revocations.revoke({ jti, reason, exp }, caller.sub);
  }
}

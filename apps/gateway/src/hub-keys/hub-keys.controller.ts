import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PublishedHubKey } from '@lt/contracts';
import { HUB_CONFIG, loadHubPublicKeys, type HubConfig } from '@lt/platform';
import { Public } from '../auth/roles';
import { ApiErrors } from '../http/api-docs';
import { HubKeysDto } from './hub-keys.dto';

export interface HubKeysResponse {
  keys: PublishedHubKey[];
}

/**
 * The hub's public keys with their purpose and validity: what auditors pin to verify checkpoints,
 * and agencies to verify hub-signed envelopes (the same list is published under `_hub.keys` in the
 * agencies bucket). Public: these are public keys. Read from the data folder on each request, so
 * a rotation shows at once.
 */
@ApiTags('hub')
@Controller('v1/hub')
export class HubKeysController {
  constructor(@Inject(HUB_CONFIG) private readonly cfg: HubConfig) {}

  @Public()
  @Get('keys')
  @ApiOperation({ summary: 'Public hub keys (token, envelope, checkpoint), active and retired, with notBefore/notAfter (no auth)' })
  @ApiOkResponse({ type: HubKeysDto })
  @ApiErrors(500)
  keys(): HubKeysResponse {
    return { keys: loadHubPublicKeys(this.cfg.dataDir) };
  }
}

import { HubKeysController } from './hub-keys.controller';

/** Public hub key listing, registered in ../gateway.module.ts. */
export const HUB_KEYS_CONTROLLERS = [HubKeysController];
export { HubKeysController };

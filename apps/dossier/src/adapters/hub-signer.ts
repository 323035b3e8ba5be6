
/** Default `from` of hub-signed envelopes: the operator of the national axis (HubConfig.hubAgency, LT_HUB_AGENCY). */
export const DEFAULT_HUB_AGENCY = '000.00.00.G22';

/** The hub signer every hub-speaking service shares (libs/crypto). */
export { HubSigner } from '@lt/crypto';

/** Receipts are signed by the hub signer every hub-speaking service shares (libs/crypto). */
export { HubSigner as HubEnvelopeSigner } from '@lt/crypto';

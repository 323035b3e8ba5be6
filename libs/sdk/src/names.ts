import { codeToSubjectTokens } from '@lt/contracts';

/**
 * Durable name of an agency's inbox consumer: `inbox_` + the code's subject tokens with '.'
 * replaced by '_' (durable names may not contain dots), e.g. `000.12.05.H41` -> `inbox_H41_05_12_000`.
 * Whoever creates the consumer first (the SDK on connect, or the registry at registration) must
 * use this name, so that both end up with the same consumer.
 */
export function inboxDurableName(agencyCode: string): string {
  return `inbox_${codeToSubjectTokens(agencyCode).replace(/\./g, '_')}`;
}

/** Key under which hub-signed statuses (refusals) are tracked: they come from no recipient. */
export const HUB_TRACKING_KEY = 'hub';

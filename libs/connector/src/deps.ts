import type { Logger } from '@lt/platform';
import type { LienThongClient } from '@lt/sdk';
import type { ConnectorStore } from './store/connector-store';

/** What every use case of the connector works with: the agency's SDK client and the connector's own store. */
export interface ConnectorDeps {
  agencyCode: string;
  client: LienThongClient;
  store: ConnectorStore;
  log: Logger;
  /** where request bodies' attachments are spooled before upload (inside the state folder) */
  spoolDir: string;
  maxPackageBytes: number;
  /** set when a webhook URL is configured: wakes the dispatcher after parked deliveries are put back */
  webhooks?: { notify(): void };
}

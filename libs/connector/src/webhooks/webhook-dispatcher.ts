import { LtError } from '@lt/contracts';
import { systemClock, type Clock, type Logger } from '@lt/platform';
import { signWebhook } from '@lt/sdk';
import type { ConnectorStore, InboundEntry, WebhookProgress } from '../store/connector-store';

/**
 * Posts each new inbox entry to the agency's URL, signed with the Standard Webhooks scheme
 * (webhook-id = envelope id, webhook-timestamp, webhook-signature v1,<HMAC-SHA256>), so that
 * receivers verify with the published Standard Webhooks libraries. The signature is made with
 * node:crypto (the SDK's signWebhook): the `standardwebhooks` npm package hashes in JavaScript,
 * 10 to 20 times slower and on the event loop (6 ms for a 200 kB body); its output is the oracle of
 * the specs instead.
 *
 * State lives in the store (updateWebhook after every attempt): a restarted dispatcher takes up
 * pending deliveries at their due time and leaves parked ones parked. Delivery is at least once
 * (a timeout may hide a delivery that did happen); an entry acked before an attempt starts is not
 * posted again.
 */
export interface WebhookDispatcherOptions {
  store: ConnectorStore;
  /** the agency's endpoint (http or https) */
  url: string;
  /** `whsec_<base64>` shared with the receiver */
  secret: string;
  /** the JSON payload posted for an entry */
  render: (entry: InboundEntry) => Promise<unknown> | unknown;
  logger: Logger;
  clock?: Clock;
  /** per attempt, until the response headers (default 10 s) */
  timeoutMs?: number;
  /** attempts before an entry is parked (default 12) */
  maxAttempts?: number;
  /** delay after the first failure; doubled after each next one (default 1 s) */
  baseDelayMs?: number;
  /** longest delay between attempts (default 15 min) */
  maxDelayMs?: number;
  /** deliveries in flight at once (default 4) */
  concurrency?: number;
  /** for tests: the jitter source, in [0, 1) */
  random?: () => number;
}

export const WEBHOOK_DEFAULTS = {
  timeoutMs: 10_000,
  maxAttempts: 12,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  concurrency: 4,
} as const;

/** Jitter: each delay is its nominal value times a factor in [1 - JITTER, 1 + JITTER), capped at maxDelayMs. */
export const WEBHOOK_JITTER = 0.2;
/** Longest sleep of the loop: it looks at the store again at least this often. */
const MAX_SLEEP_MS = 60_000;

/** Nominal delay (without jitter) before the next attempt after `failedAttempts` failures. */
export function webhookRetryDelayMs(
  failedAttempts: number,
  baseDelayMs: number = WEBHOOK_DEFAULTS.baseDelayMs,
  maxDelayMs: number = WEBHOOK_DEFAULTS.maxDelayMs,
): number {
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

type Outcome = { ok: true; status: number } | { ok: false; error: string; gone: boolean };

export class WebhookDispatcher {
  private readonly store: ConnectorStore;
  private readonly url: string;
  private readonly secret: string;
  private readonly render: (entry: InboundEntry) => Promise<unknown> | unknown;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly random: () => number;

  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Map<string, Promise<void>>();
  private wakePending = false;
  private wakeUp?: () => void;

  constructor(options: WebhookDispatcherOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new LtError('VALIDATION_FAILED', `webhook URL '${options.url}' is not a URL`, { field: 'url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new LtError('VALIDATION_FAILED', `webhook URL '${options.url}' must be http or https`, { field: 'url' });
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(options.secret)) {
      throw new LtError('VALIDATION_FAILED', 'webhook secret must be whsec_ followed by base64 (lienthong can generate one)', { field: 'secret' });
    }
    this.store = options.store;
    this.url = url.toString();
    this.secret = options.secret;
    this.render = options.render;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = positive(options.timeoutMs, WEBHOOK_DEFAULTS.timeoutMs, 'timeoutMs');
    this.maxAttempts = positive(options.maxAttempts, WEBHOOK_DEFAULTS.maxAttempts, 'maxAttempts');
    this.baseDelayMs = positive(options.baseDelayMs, WEBHOOK_DEFAULTS.baseDelayMs, 'baseDelayMs');
    this.maxDelayMs = positive(options.maxDelayMs, WEBHOOK_DEFAULTS.maxDelayMs, 'maxDelayMs');
    this.concurrency = positive(options.concurrency, WEBHOOK_DEFAULTS.concurrency, 'concurrency');
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking new work and waits for the attempts in flight (each bounded by timeoutMs). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** New work (an entry added or requeued): look at the store now instead of at the next due time. */
  notify(): void {
    this.wake();
  }

  /** Delay before the next attempt after `failedAttempts` failures, with jitter. */
  retryDelayMs(failedAttempts: number): number {
    const nominal = webhookRetryDelayMs(failedAttempts, this.baseDelayMs, this.maxDelayMs);
    return Math.round(Math.min(this.maxDelayMs, nominal * (1 - WEBHOOK_JITTER + 2 * WEBHOOK_JITTER * this.random())));
  }

  // ---------------------------------------------------------------- loop

  private async run(): Promise<void> {
    while (this.running) {
      this.wakePending = false;
      let sleepMs: number | undefined;
      try {
        sleepMs = await this.fill();
      } catch (err) {
        // the store may be closing or failing: try again later, never crash the process
        this.logger.error({ err, url: this.url }, 'webhooks: reading due deliveries failed');
        sleepMs = Math.min(MAX_SLEEP_MS, Math.max(this.baseDelayMs, 1_000));
      }
      if (!this.running) break;
      await this.sleep(sleepMs);
    }
  }

  /** Starts due deliveries into free slots; returns how long to sleep (undefined: until woken). */
  private async fill(): Promise<number | undefined> {
    const inFlight = new Set(this.inFlight.keys());
    const free = this.concurrency - inFlight.size;
    if (free <= 0) return undefined; // a finished attempt wakes the loop
    const due = await this.store.dueWebhooks(this.clock.now(), free, inFlight);
    let launched = 0;
    for (const entry of due) {
      if (!this.running) break;
      if (this.inFlight.has(entry.id)) continue;
      this.launch(entry);
      launched++;
    }
    if (this.inFlight.size >= this.concurrency) return undefined;
    if (launched > 0 && due.length === free) return 0; // maybe more due: look again at once
    const next = await this.store.nextWebhookDue(new Set(this.inFlight.keys()));
    if (!next) return MAX_SLEEP_MS;
    const wait = next.getTime() - this.clock.now().getTime();
    // nothing started although something is due: a store that does not leave out the deliveries
    // in flight; poll rather than spin
    if (wait <= 0 && launched === 0) return Math.min(this.baseDelayMs, 1_000);
    return Math.min(Math.max(0, wait), MAX_SLEEP_MS);
  }

  private launch(entry: InboundEntry): void {
    const id = entry.id;
    const attempt = this.attempt(entry)
      .catch((err) => this.logger.error({ err, id, url: this.url }, 'webhooks: delivery attempt failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(id);
        this.wake();
      });
    this.inFlight.set(id, attempt);
  }

  private wake(): void {
    this.wakePending = true;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private sleep(ms: number | undefined): Promise<void> {
    if (this.wakePending || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => done(), ms);
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
    });
  }

  // ---------------------------------------------------------------- one attempt

  private async attempt(entry: InboundEntry): Promise<void> {
    const id = entry.id;
    if (!isDeliverable(entry)) return;
    const attempts = entry.webhook.attempts + 1;
    const outcome = await this.post(entry);
    if (outcome === 'acked') return;
    const now = this.clock.now();
    let progress: WebhookProgress;
    if (outcome.ok) {
      progress = { state: 'delivered', attempts, deliveredAt: now.toISOString() };
      this.logger.debug({ id, attempts, status: outcome.status }, 'webhooks: delivered');
    } else if (outcome.gone || attempts >= this.maxAttempts) {
      progress = { state: 'parked', attempts, parkedAt: now.toISOString(), lastError: outcome.error };
      this.logger.warn(
        { id, attempts, lastError: outcome.error, url: this.url },
        outcome.gone
          ? 'webhooks: the endpoint answered 410 Gone; entry parked (still in GET /v1/inbox; requeue when the endpoint is back)'
          : 'webhooks: retries ran out; entry parked (still in GET /v1/inbox; requeue when the endpoint is back)',
      );
    } else {
      const delay = this.retryDelayMs(attempts);
      progress = { state: 'pending', attempts, nextAttemptAt: new Date(now.getTime() + delay).toISOString(), lastError: outcome.error };
      this.logger.info({ id, attempts, lastError: outcome.error, retryInMs: delay }, 'webhooks: delivery failed; will retry');
    }
    await this.store.updateWebhook(id, progress);
  }

  /** Renders, reads the entry again (an ack meanwhile cancels the delivery), posts. */
  private async post(entry: InboundEntry): Promise<Outcome | 'acked'> {
    let body: string | undefined;
    try {
      body = JSON.stringify(await this.render(entry));
    } catch (err) {
      return { ok: false, error: `render failed: ${errorText(err)}`, gone: false };
    }
    if (body === undefined) return { ok: false, error: 'render returned nothing', gone: false };
    if (!isDeliverable(await this.store.getInbound(entry.id))) return 'acked';
    const timestamp = this.clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'lienthong-connector',
      'webhook-id': entry.id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signWebhook(this.secret, entry.id, timestamp, body),
    };
    try {
      const response = await fetch(this.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, error: `HTTP ${response.status}`, gone: response.status === 410 };
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `no answer within ${this.timeoutMs} ms`, gone: false };
      return { ok: false, error: errorText(err), gone: false };
    }
  }
}

function isDeliverable(entry: InboundEntry | undefined): entry is InboundEntry & { webhook: WebhookProgress } {
  return entry !== undefined && entry.state === 'pending' && entry.webhook?.state === 'pending';
}

/** fetch hides the network error (ECONNREFUSED ...) in `cause`. */
function errorText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.message ? `${cause.code}: ${cause.message}` : cause.code;
  return err instanceof Error ? err.message : String(err);
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new LtError('VALIDATION_FAILED', `webhook ${field} must be a positive number, not ${value}`, { field });
  return value;
}

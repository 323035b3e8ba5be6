import pino from 'pino';
import { connectNats, type NatsConnection } from '@lt/messaging';
import type { KeyFile, Logger } from '@lt/platform';
import { connect, type LienThongClient } from '@lt/sdk';
import type { FaultHub } from './fault-hub';
import { say, sleep } from './progress';

/**
 * What the SDK clients logged at warn and above, counted by message instead of printed: under
 * a fault run hundreds of clients report every NATS hiccup ("inbox pull failed; retrying").
 */
export class SdkLogTally {
  readonly byMessage = new Map<string, number>();
  readonly samples: string[] = [];
  readonly logger: Logger = pino(
    { name: 'lt-sdk', level: 'warn' },
    {
      write: (line: string) => {
        let key = line;
        try {
          const o = JSON.parse(line) as { msg?: string; err?: string };
          key = `${o.msg ?? '?'}${o.err ? `: ${String(o.err).slice(0, 80)}` : ''}`;
        } catch {
          // not JSON: count the line itself
        }
        this.byMessage.set(key, (this.byMessage.get(key) ?? 0) + 1);
        if (this.samples.length < 5) this.samples.push(line.trim());
      },
    },
  );
}

/** SDK clients for many agencies over one shared connection (as one agency-side gateway process would). */
export async function connectAgencies(
  hub: FaultHub,
  nc: NatsConnection,
  codes: readonly string[],
  keys: ReadonlyMap<string, KeyFile>,
  opts: { ensureInbox: boolean; logs?: SdkLogTally },
): Promise<Map<string, LienThongClient>> {
  const out = new Map<string, LienThongClient>();
  for (let i = 0; i < codes.length; i += 16) {
    await Promise.all(
      codes.slice(i, i + 16).map(async (code) => {
        const key = keys.get(code)!;
        const c = await connect({
          nc,
          ns: hub.ns,
          agencyCode: code,
          privateJwk: key.privateJwk,
          keyId: key.keyId,
          alg: key.alg,
          ensureInbox: opts.ensureInbox,
          // the fault load counts document copies: no status 01 traffic on top
          autoArrived: false,
          directoryTimeoutMs: 60_000,
          ...(opts.logs ? { logger: opts.logs.logger.child({ agency: code }) } : {}),
        });
        out.set(code, c);
      }),
    );
  }
  return out;
}

export async function sdkConnection(hub: FaultHub, name: string): Promise<NatsConnection> {
  return connectNats(hub.natsUrl, name);
}

/**
 * What the agencies saw through the SDK: each yielded document is acked (confirmed); a copy
 * yielded again after its ack was confirmed by the server is a duplicate delivery.
 */
export class InboxTally {
  /** `<id>:<recipient>` -> times the SDK yielded it */
  readonly yielded = new Map<string, number>();
  /** `<id>:<recipient>` -> when its ack was confirmed (ms epoch) */
  readonly acked = new Map<string, number>();
  /** yielded again although its ack had been confirmed */
  readonly afterConfirmedAck: Array<{ key: string; seq: number; deliveryCount: number; ackedAt: string; againAt: string }> = [];
  /** yielded again after an ack that was not confirmed (or never sent): at-least-once redelivery */
  redeliveries = 0;
  ackFailures = 0;
  invalid: string[] = [];
  loopErrors = 0;

  get distinct(): number {
    return this.yielded.size;
  }
}

/** Reads one agency's inbox with follow until `stop` resolves, acking everything. */
export async function consumeInbox(client: LienThongClient, tally: InboxTally, stopped: () => boolean): Promise<void> {
  client.onInvalid((i) => tally.invalid.push(`${client.agencyCode} seq ${i.seq}: ${i.error.code} ${i.error.message}`));
  while (!stopped()) {
    try {
      for await (const m of client.inbox({ follow: true, batch: 128, expiresMs: 5_000 })) {
        if (m.kind === 'document' && !m.hubSigned) {
          const key = `${m.id}:${client.agencyCode}`;
          const n = (tally.yielded.get(key) ?? 0) + 1;
          tally.yielded.set(key, n);
          if (n > 1) {
            const ackedAt = tally.acked.get(key);
            if (ackedAt !== undefined) {
              tally.afterConfirmedAck.push({
                key,
                seq: m.seq,
                deliveryCount: m.deliveryCount,
                ackedAt: new Date(ackedAt).toISOString(),
                againAt: new Date().toISOString(),
              });
            } else tally.redeliveries++;
          }
        }
        try {
          await m.ack();
          if (m.kind === 'document') tally.acked.set(`${m.id}:${client.agencyCode}`, Date.now());
        } catch {
          tally.ackFailures++;
        }
        if (stopped()) break;
      }
    } catch (err) {
      tally.loopErrors++;
      if (!stopped()) {
        say(`inbox loop of ${client.agencyCode} failed (${(err as Error).message}); reading on`);
        await sleep(1_000);
      }
    }
    if (!stopped()) await sleep(200);
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import pino from 'pino';
import { HEADERS, codeToSubjectTokens, inboxCopyHeaderRecord, type Envelope } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import { AgencyDirectory } from '../directory';
import { buildEnvelope, sealEnvelope } from '../envelope-builder';
import { makeTestAgency, SAMPLE_BODY } from '../testing/fixtures';
import type { InboxMessage, InvalidInboxMessage } from '../types';
import type { AgencyConnection } from './connection';
import { InboxReader } from './inbox-reader';
import type { EnvelopeSender } from './sender';
import { StatusTracking } from './status-tracking';

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.07.H41';
const NOW = new Date('2026-11-22T08:00:00.000Z');

/** A delivered inbox copy as the reader sees it; only the members it reads. */
interface FakeCopy {
  data: Uint8Array;
  headers: Map<string, string[]>;
  info: { deliveryCount: number };
  seq: number;
  subject: string;
  redelivered: boolean;
  nak: jest.Mock;
  term: jest.Mock;
  ackAck: jest.Mock;
}

function copyOf(bytes: Uint8Array, headers: Record<string, string>): FakeCopy {
  return {
    data: bytes,
    headers: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])),
    info: { deliveryCount: 1 },
    seq: 7,
    subject: `lt.inbox.${codeToSubjectTokens(B)}`,
    redelivered: false,
    nak: jest.fn(),
    term: jest.fn(),
    ackAck: jest.fn().mockResolvedValue(true),
  };
}

/**
 * The inbox copies reach verifyInbound with their headers: a copy whose routing headers
 * disagree with the signature is never handed to the application.
 */
describe('InboxReader: routing headers of a delivered copy', () => {
  let reader: InboxReader;
  let invalid: InvalidInboxMessage[];
  let env: Envelope;
  let bytes: Buffer;
  let headers: Record<string, string>;

  beforeEach(async () => {
    const a = await makeTestAgency(A);
    const b = await makeTestAgency(B, { parentCode: A, tier: 'district' });
    const c = await makeTestAgency(C, { parentCode: A, tier: 'district' });
    const directory = new AgencyDirectory();
    for (const t of [a, b, c]) directory.apply(codeToSubjectTokens(t.code), t.entry);
    const log = pino({ level: 'silent' });
    const conn = { agencyCode: B, directory, log, clock: { now: () => NOW }, opts: { autoArrived: false, stateDir: false } } as unknown as AgencyConnection;
    reader = new InboxReader(conn, {} as EnvelopeSender, new StatusTracking(log, 10));
    invalid = [];
    reader.onInvalid((m) => invalid.push(m));

    env = buildEnvelope(A, { kind: 'document', to: [B], body: SAMPLE_BODY }, NOW);
    bytes = sealEnvelope(env, a.signer, a.kid).bytes;
    headers = inboxCopyHeaderRecord({
      envelopeId: env.id,
      from: A,
      to: B,
      kind: env.kind,
      kid: a.kid,
      issuedAt: env.issuedAt,
      digest: sha256Hex(bytes),
      routedAt: env.issuedAt,
      copies: 1,
    });
  });

  const accept = (m: FakeCopy): Promise<InboxMessage | undefined> => reader['accept'](m as unknown as JsMsg);

  it('hands over a copy whose headers agree with the signature', async () => {
    const m = copyOf(bytes, headers);
    const msg = await accept(m);
    expect(msg).toMatchObject({ id: env.id, from: A, kind: 'document', kid: headers[HEADERS.kid], hubSigned: false, headers });
    expect(msg?.envelope).toEqual(env);
    expect(invalid).toEqual([]);
    expect(m.term).not.toHaveBeenCalled();
  });

  it('terminates and reports, never hands over, a copy whose Lt-From names another agency than its signer', async () => {
    const m = copyOf(bytes, { ...headers, [HEADERS.from]: C });
    expect(await accept(m)).toBeUndefined();
    expect(m.term).toHaveBeenCalledTimes(1);
    expect(m.nak).not.toHaveBeenCalled();
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ action: 'term', seq: 7, headers: { [HEADERS.from]: C } });
    expect([invalid[0]!.error.code, invalid[0]!.error.details?.field]).toEqual(['SENDER_MISMATCH', HEADERS.from]);
  });
});

/** What the reader refuses beyond the signature: copies not for this agency, old copies, copies already handled. */
describe('InboxReader: what it accepts beyond the signature', () => {
  let a: Awaited<ReturnType<typeof makeTestAgency>>;
  let directory: AgencyDirectory;
  let stateDir: string;
  const log = pino({ level: 'silent' });
  let now: Date;

  beforeEach(async () => {
    a = await makeTestAgency(A);
    const b = await makeTestAgency(B, { parentCode: A, tier: 'district' });
    const c = await makeTestAgency(C, { parentCode: A, tier: 'district' });
    directory = new AgencyDirectory();
    for (const t of [a, b, c]) directory.apply(codeToSubjectTokens(t.code), t.entry);
    stateDir = mkdtempSync(join(tmpdir(), 'lt-reader-'));
    now = NOW;
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  /** A reader of B's inbox, as a new client instance (an application restart) on the same stateDir. */
  function readerOfB(): { reader: InboxReader; invalid: InvalidInboxMessage[] } {
    const conn = { agencyCode: B, directory, log, clock: { now: () => now }, topo: { ns: 'unit' }, opts: { autoArrived: false, stateDir } };
    const reader = new InboxReader(conn as unknown as AgencyConnection, {} as EnvelopeSender, new StatusTracking(log, 10));
    const invalid: InvalidInboxMessage[] = [];
    reader.onInvalid((m) => invalid.push(m));
    return { reader, invalid };
  }

  function copyFor(to: string[], opts: { issuedAt?: Date; forwardedFrom?: string; recipient?: string } = {}): { env: Envelope; m: FakeCopy } {
    const env = buildEnvelope(A, { kind: 'document', to, body: SAMPLE_BODY }, opts.issuedAt ?? NOW);
    const bytes = sealEnvelope(env, a.signer, a.kid).bytes;
    const headers = inboxCopyHeaderRecord({
      envelopeId: env.id,
      from: A,
      to: opts.recipient ?? B,
      kind: env.kind,
      kid: a.kid,
      issuedAt: env.issuedAt,
      digest: sha256Hex(bytes),
      routedAt: env.issuedAt,
      copies: 1,
      forwardedFrom: opts.forwardedFrom,
    });
    return { env, m: copyOf(bytes, headers) };
  }

  const accept = (reader: InboxReader, m: FakeCopy): Promise<InboxMessage | undefined> => reader['accept'](m as unknown as JsMsg);

  it('terminates and reports a validly signed copy addressed to another agency (FORBIDDEN not_addressed)', async () => {
    const { reader, invalid } = readerOfB();
    // signed by A for C, replayed into B's inbox with headers that say B
    const { m } = copyFor([C]);
    expect(await accept(reader, m)).toBeUndefined();
    expect(m.term).toHaveBeenCalledTimes(1);
    expect(invalid.map((i) => [i.action, i.error.code, i.error.details?.reason])).toEqual([['term', 'FORBIDDEN', 'not_addressed']]);
  });

  it('refuses a copy whose Lt-To names another agency than the reader', async () => {
    const { reader, invalid } = readerOfB();
    const { m } = copyFor([B, C], { recipient: C });
    expect(await accept(reader, m)).toBeUndefined();
    expect(invalid.map((i) => [i.error.code, i.error.details?.field])).toEqual([['SCHEMA_INVALID', HEADERS.to]]);
  });

  it('retries a forwarded copy while the directory may not show the succession yet, then refuses it', async () => {
    const { reader, invalid } = readerOfB();
    const { m } = copyFor([C], { forwardedFrom: C });
    expect(await accept(reader, m)).toBeUndefined();
    expect(m.nak).toHaveBeenCalledTimes(1);
    expect(m.term).not.toHaveBeenCalled();
    m.info.deliveryCount = 3;
    expect(await accept(reader, m)).toBeUndefined();
    expect(m.term).toHaveBeenCalledTimes(1);
    expect(invalid.map((i) => i.action)).toEqual(['nak', 'term']);
    expect(invalid[1]!.error.details?.reason).toBe('not_addressed');
  });

  it('hands over a copy forwarded from a closed agency the reader succeeds', async () => {
    const closedC = await makeTestAgency(C, { parentCode: A, tier: 'district', status: 'closed' });
    closedC.entry.agency.successorCode = B;
    directory.apply(codeToSubjectTokens(C), closedC.entry);
    const { reader, invalid } = readerOfB();
    const { env, m } = copyFor([C], { forwardedFrom: C });
    expect(await accept(reader, m)).toMatchObject({ id: env.id, forwardedFrom: C });
    expect(invalid).toEqual([]);
  });

  it('terminates a copy issued longer ago than the window (CLOCK_SKEW too_old)', async () => {
    const { reader, invalid } = readerOfB();
    const { m } = copyFor([B], { issuedAt: new Date(NOW.getTime() - 32 * 24 * 3_600_000) });
    expect(await accept(reader, m)).toBeUndefined();
    expect(m.term).toHaveBeenCalledTimes(1);
    expect(invalid.map((i) => [i.error.code, i.error.details?.reason])).toEqual([['CLOCK_SKEW', 'too_old']]);
  });

  it('after a restart, acks a copy it acked before again and does not hand it over twice', async () => {
    const { env, m } = copyFor([B]);
    const first = readerOfB();
    const msg = await accept(first.reader, m);
    expect(msg?.id).toBe(env.id);
    await msg!.ack();
    await first.reader.close();

    // a new client instance on the same stateDir; the server hands the same copy over again
    const second = readerOfB();
    const again = copyFor([B]).m;
    const redelivered = { ...m, ackAck: jest.fn().mockResolvedValue(true), term: jest.fn(), nak: jest.fn() };
    expect(await accept(second.reader, redelivered)).toBeUndefined();
    expect(redelivered.ackAck).toHaveBeenCalledTimes(1);
    expect(redelivered.term).not.toHaveBeenCalled();
    expect(second.invalid).toEqual([]);
    // another copy is still handed over
    expect(await accept(second.reader, again)).toBeDefined();
    await second.reader.close();
  });
});

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
    const conn = { agencyCode: B, directory, log, opts: { autoArrived: false } } as unknown as AgencyConnection;
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

import { HEADERS, inboxCopyHeaderRecord, topology, type Envelope, type InboxCopyHeaders, type StatusBody } from '@lt/contracts';
import { base64urlDecode, HubSigner, importPublicKey, sha256Hex } from '@lt/crypto';
import { newEd25519KeyFile } from '@lt/platform';
import { HubInboxWriter } from './hub-inbox-writer';
import type { JetStreamPublisher } from './publisher';

/* The writer against a stand-in publisher that records what would be published (the real
 * publish is covered by the router, audit and dossier integration tests). */

interface Published {
  subject: string;
  bytes: Buffer;
  msgId: string;
  headers: Record<string, string>;
}

function recordingPublisher(): { publisher: JetStreamPublisher; published: Published[] } {
  const published: Published[] = [];
  const publisher = {
    publishInboxCopy: async (subject: string, data: Uint8Array, msgId: string, headers: InboxCopyHeaders) => {
      // read now, as the real publisher does: the writer reuses the object for the next recipient
      published.push({ subject, bytes: Buffer.from(data), msgId, headers: inboxCopyHeaderRecord(headers) });
      return { stream: 'T_INBOX', seq: published.length, duplicate: false };
    },
  };
  return { publisher: publisher as unknown as JetStreamPublisher, published };
}

const topo = topology('t');
const signer = new HubSigner(newEd25519KeyFile('hub-test'));
const H41 = '000.00.00.H41';
const G12 = '000.00.00.G12';

const refusal: Envelope<StatusBody> = {
  id: '01935f6e-8a3b-7c2d-9e4f-000000000001',
  kind: 'status',
  from: '000.00.00.G22',
  to: [H41],
  issuedAt: '2026-11-22T08:00:00.000Z',
  body: { responseFor: '01935f6e-8a3b-7c2d-9e4f-000000000000', statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: 'x' },
};

describe('HubInboxWriter', () => {
  it('signs with the hub key and publishes one copy into the recipient inbox, id <envelope id>:<recipient>', async () => {
    const { publisher, published } = recordingPublisher();
    await new HubInboxWriter(publisher, topo, signer).deliver(refusal, { submitSeq: 7, responseFor: refusal.body.responseFor, statusCode: '02' });
    expect(published).toHaveLength(1);
    const [p] = published;
    expect(p!.subject).toBe(topo.inboxSubject(H41));
    expect(p!.msgId).toBe(`${refusal.id}:${H41}`);
    expect(p!.headers).toEqual({
      [HEADERS.envelopeId]: refusal.id,
      [HEADERS.from]: refusal.from,
      [HEADERS.to]: H41,
      [HEADERS.kind]: 'status',
      [HEADERS.kid]: 'hub#hub-test',
      [HEADERS.issuedAt]: refusal.issuedAt,
      [HEADERS.digest]: sha256Hex(p!.bytes),
      [HEADERS.submitSeq]: '7',
      [HEADERS.routedAt]: refusal.issuedAt,
      [HEADERS.copies]: '1',
      [HEADERS.responseFor]: refusal.body.responseFor,
      [HEADERS.statusCode]: '02',
      [HEADERS.hubSigned]: '1',
    });
    const jws = JSON.parse(p!.bytes.toString('utf8')) as { protected: string; payload: string; signature: string };
    expect(JSON.parse(base64urlDecode(jws.payload, 'payload').toString('utf8'))).toEqual(refusal);
    const key = importPublicKey(signer.publicKey.publicJwk, 'EdDSA');
    expect(key.verify(Buffer.from(`${jws.protected}.${jws.payload}`), base64urlDecode(jws.signature, 'signature'))).toBe(true);
  });

  it('gives every string recipient its own copy of the same bytes, with routedAt, dossier code and copies', async () => {
    const { publisher, published } = recordingPublisher();
    const notice: Envelope = { ...refusal, kind: 'dossier', to: [H41, { tier: 'province' } as never, G12], body: { action: 'overdue-notice' } };
    await new HubInboxWriter(publisher, topo, signer).deliver(notice, { routedAt: '2026-11-22T09:00:00.000Z', dossierCode: 'G12.HS-2026-000001' });
    expect(published.map((p) => [p.subject, p.msgId, p.headers[HEADERS.to]])).toEqual([
      [topo.inboxSubject(H41), `${notice.id}:${H41}`, H41],
      [topo.inboxSubject(G12), `${notice.id}:${G12}`, G12],
    ]);
    expect(published[0]!.bytes.equals(published[1]!.bytes)).toBe(true);
    for (const p of published) {
      expect(p.headers).toMatchObject({ [HEADERS.copies]: '2', [HEADERS.routedAt]: '2026-11-22T09:00:00.000Z', 'Lt-Dossier-Code': 'G12.HS-2026-000001' });
      expect(p.headers[HEADERS.submitSeq]).toBeUndefined();
      expect(p.headers[HEADERS.statusCode]).toBeUndefined();
    }
  });

  it('re-sending the same envelope gives the same bytes and ids (the inbox stream keeps one copy)', async () => {
    const { publisher, published } = recordingPublisher();
    const writer = new HubInboxWriter(publisher, topo, signer);
    await writer.deliver(refusal);
    await writer.deliver(refusal);
    expect(published[0]).toEqual(published[1]);
  });
});

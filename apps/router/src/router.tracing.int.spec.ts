import { randomBytes } from 'node:crypto';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { HEADERS, type Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { startTracing, type Tracing } from '@lt/observability';
import { newEd25519KeyFile } from '@lt/platform';
import { createAuditService, type AuditService } from '../../audit/src/index';
import { createHarness, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

const H41 = '000.00.00.H41';
const G12 = '000.00.00.G12';

jest.setTimeout(60_000);

/** W3C trace context through the real router: submit stream in, inbox copies and events out. */
describe('router trace context (real NATS and PostgreSQL)', () => {
  let h: Harness;
  const agencies = new Map<string, TestAgency>();
  const sign = (from: string, env: Envelope) => Buffer.from(JSON.stringify(signEnvelope(env, agencies.get(from)!.signingKey, agencies.get(from)!.kid)));
  const hex = (bytes: number) => randomBytes(bytes).toString('hex');

  /** Publishes as an agency whose own tracing gave it `traceparent`. */
  const submitTraced = async (from: string, env: Envelope, traceparent: string) => {
    const h2 = natsHeaders();
    h2.set('traceparent', traceparent);
    await jetstream(h.nc).publish(h.topo.submitSubject(from), sign(from, env), { msgID: env.id, headers: h2 });
  };
  const copyOf = async (to: string, match: (m: JsMsg) => boolean): Promise<JsMsg> => {
    let found: JsMsg | undefined;
    await h.waitFor(`a copy in ${to}'s inbox`, async () => {
      found = (await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(to))).find(match);
      return found !== undefined;
    });
    return found!;
  };
  const parse = (traceparent: string) => {
    const [version, traceId, spanId, flags] = traceparent.split('-');
    return { version, traceId, spanId, flags };
  };

  beforeAll(async () => {
    h = await createHarness();
    for (const code of [H41, G12]) agencies.set(code, testAgency({ code }));
    await h.putAgencies([...agencies.values()].map((a) => a.entry));
    await h.startRouter();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('tracing off (no LT_OTLP_ENDPOINT): the copy carries the sender traceparent unchanged', async () => {
    const traceparent = `00-${hex(16)}-${hex(8)}-01`;
    const env = documentEnvelope(H41, [G12]);
    await submitTraced(H41, env, traceparent);
    const copy = await copyOf(G12, (m) => m.headers?.get(HEADERS.envelopeId) === env.id);
    expect(copy.headers?.get('traceparent')).toBe(traceparent);

    // a submission without trace context gets no header: nothing is invented on the hub's side
    const bare = documentEnvelope(H41, [G12]);
    await h.submit(H41, sign(H41, bare), bare.id);
    const bareCopy = await copyOf(G12, (m) => m.headers?.get(HEADERS.envelopeId) === bare.id);
    expect(bareCopy.headers?.get('traceparent')).toBe('');
  });

  describe('tracing on (in-memory exporter)', () => {
    const exporter = new InMemorySpanExporter();
    let tracing: Tracing;
    let audit: AuditService;
    beforeAll(async () => {
      tracing = await startTracing({ service: 'router', log: h.log, processor: new SimpleSpanProcessor({ exporter }) });
      // the audit in the same process, consuming the same namespace's inbox and events streams
      audit = createAuditService({
        nc: h.nc,
        ds: h.db.ds,
        ns: h.topo.ns,
        log: h.log,
        checkpointKey: newEd25519KeyFile('cp-test'),
        receiptKey: newEd25519KeyFile('rc-test'),
        options: { verifyIntervalMs: 0, receipts: false },
      });
      await audit.start();
    });
    afterAll(async () => {
      await audit?.stop();
      await tracing.stop();
    });

    it("the routing span is the sender span's child; the copy continues the same trace from the routing span", async () => {
      const sender = { traceId: hex(16), spanId: hex(8) };
      const env = documentEnvelope(H41, [G12]);
      await submitTraced(H41, env, `00-${sender.traceId}-${sender.spanId}-01`);
      const copy = await copyOf(G12, (m) => m.headers?.get(HEADERS.envelopeId) === env.id);

      const carried = parse(copy.headers!.get('traceparent'));
      expect(carried).toMatchObject({ version: '00', traceId: sender.traceId, flags: '01' });
      expect(carried.spanId).not.toBe(sender.spanId);

      await h.waitFor('the routing span exported', () => exporter.getFinishedSpans().some((s) => s.spanContext().traceId === sender.traceId));
      const span = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === sender.traceId)!;
      expect(span.name).toBe('router route');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.parentSpanContext?.spanId).toBe(sender.spanId);
      expect(span.spanContext().spanId).toBe(carried.spanId);
      expect(span.attributes).toMatchObject({ 'lt.outcome': 'deliver', 'lt.envelope_id': env.id, 'lt.copies': 1 });
      expect(span.resource.attributes['service.name']).toBe('lienthong-router');

      // the audit extracts it from the copy it consumes: its append span is the routing span's child
      await h.waitFor('the audit span of the copy', () =>
        exporter.getFinishedSpans().some((s) => s.name === 'audit append inbox copy' && s.spanContext().traceId === sender.traceId),
      );
      const appended = exporter.getFinishedSpans().find((s) => s.name === 'audit append inbox copy' && s.spanContext().traceId === sender.traceId)!;
      expect(appended.kind).toBe(SpanKind.CONSUMER);
      expect(appended.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    });

    it('a refusal carries the trace too: the msg.rejected event and the hub-signed status 02', async () => {
      const sender = { traceId: hex(16), spanId: hex(8) };
      const env = documentEnvelope(H41, ['000.00.00.H99']);
      await submitTraced(H41, env, `00-${sender.traceId}-${sender.spanId}-01`);
      const bounce = await copyOf(H41, (m) => m.headers?.get(HEADERS.responseFor) === env.id);
      expect(parse(bounce.headers!.get('traceparent')).traceId).toBe(sender.traceId);

      let event: JsMsg | undefined;
      await h.waitFor('the msg.rejected event', async () => {
        event = (await h.readStream(h.topo.streams.events, h.topo.eventSubject('msg.rejected'))).find(
          (m) => m.json<{ messageId?: string }>().messageId === env.id,
        );
        return event !== undefined;
      });
      expect(parse(event!.headers!.get('traceparent')).traceId).toBe(sender.traceId);
      const span = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === sender.traceId && s.name === 'router route');
      expect(span?.attributes).toMatchObject({ 'lt.outcome': 'refuse', 'lt.reason_code': 'UNKNOWN_RECIPIENT' });
    });
  });
});

/**
 * CPU per message of the hot paths, without NATS or PostgreSQL (numbers, not pass/fail): the
 * guarded JSON parse of a submission's parts, the router's decision (decode, Ed25519 verify,
 * validate, resolve), the SDK's prepare() and inbox-copy verification (signature, routing headers,
 * Lt-Digest, addressed-to, issuedAt window), the SDK's handled-id register, the router's trace
 * context per submission with tracing off (extract, span, inject into one copy). One thread, 2 KB
 * documents as in `npm run bench`.
 *
 *   npm run build && node dist/bench/hot-path.bench.js
 *
 * Env: BENCH_ONLY=<name,...> runs some of them (names as printed, or their beginnings).
 *
 * Instruction counts, which the machine's load does not move: `bench/hot-path-callgrind.sh <name> <n>`
 * runs this file under callgrind with BENCH_N=n, where it warms every path up, prints READY,
 * pauses, runs n iterations of BENCH_ONLY, prints DONE and pauses again; the script switches
 * instrumentation on and off in the pauses and prints the instructions per iteration.
 */
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeToSubjectTokens, inboxCopyHeaderRecord, parseJsonBytes, topology, uuidv7, type DocumentBody, type RecipientSelector } from '@lt/contracts';
import { importPrivateKey, sha256Hex, signEnvelope } from '@lt/crypto';
import { testAgencyEntry } from '@lt/directory';
import { newEd25519KeyFile } from '@lt/platform';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { injectTraceContext, SpanKind, startSpan, traceContextOf } from '@lt/messaging';
import { AgencyDirectory as SdkDirectory, buildEnvelope, sealEnvelope, verifyInbound } from '@lt/sdk';
import { AgencyDirectory, defaultRoutingPolicy, routeSubmission } from '../apps/router/src/index';
import { HandledRegister } from '../libs/sdk/src/client/handled-register';
import { numberedDocumentBody } from './suite/documents';

const AGENCIES = 20;
const DOCS = 200;
const WARM_UP = 3_000;
const ROUND = 4_000;
const ROUNDS = 7;

function documentBody(i: number): DocumentBody {
  return numberedDocumentBody(String(1_000_000_000 + i), i);
}

function setup(stateDir: string): Record<string, (i: number) => unknown> {
  const agencies = Array.from({ length: AGENCIES }, (_, i) => {
    const code = `000.00.${String(i + 1).padStart(2, '0')}.H41`;
    const key = newEd25519KeyFile(`k${i + 1}`);
    return { code, key, kid: `${code}#${key.keyId}`, signing: importPrivateKey(key.privateJwk, 'EdDSA') };
  });
  const entries = agencies.map((a) => testAgencyEntry(a.code, { name: a.code, keyId: a.key.keyId, publicJwk: a.key.publicJwk }));
  const directory = new AgencyDirectory();
  const sdkDirectory = new SdkDirectory();
  for (const e of entries) {
    directory.apply(e);
    sdkDirectory.apply(codeToSubjectTokens(e.agency.code), e);
  }
  const ctx = { ns: 'lt', directory, policy: defaultRoutingPolicy };
  const now = new Date();
  const issuedAt = now.toISOString();
  const docs = Array.from({ length: DOCS }, (_, i) => {
    const sender = agencies[i % AGENCIES]!;
    const to = agencies[(i + 1) % AGENCIES]!.code;
    const envelope = { id: uuidv7(), kind: 'document', from: sender.code, to: [to], issuedAt, body: documentBody(i) };
    const jws = signEnvelope(envelope, sender.signing, sender.kid);
    const data = Buffer.from(JSON.stringify(jws));
    const headers = inboxCopyHeaderRecord({
      envelopeId: envelope.id,
      from: sender.code,
      to,
      kind: 'document',
      kid: sender.kid,
      issuedAt,
      digest: sha256Hex(data),
      routedAt: issuedAt,
      copies: 1,
      submitSeq: i + 1,
    });
    return {
      to,
      data,
      headers,
      header: Buffer.from(jws.protected, 'base64url'),
      payload: Buffer.from(jws.payload, 'base64url'),
      submission: { subject: topology('lt').submitSubject(sender.code), data, seq: i + 1, receivedAtMs: now.getTime() },
      draft: { kind: 'document' as const, to: [to] as RecipientSelector[], body: documentBody(i) },
    };
  });
  // a submission's headers without and with a W3C traceparent (the SDK writes one)
  const bare = natsHeaders();
  bare.set('Nats-Msg-Id', uuidv7());
  const traced = natsHeaders();
  traced.set('Nats-Msg-Id', uuidv7());
  traced.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  const routeTrace = (h: typeof bare) => {
    const { span, ctx } = startSpan('router route', SpanKind.CONSUMER, traceContextOf(h), () => ({ 'lt.submit_seq': 1 }));
    const copy = natsHeaders();
    injectTraceContext(ctx, copy);
    span.end();
    return copy;
  };
  const memory = HandledRegister.open({ limit: 100_000, maxAgeMs: 31 * 86_400_000, now: () => Date.now() });
  const file = HandledRegister.open({ file: join(stateDir, 'handled.jsonl'), limit: 100_000, maxAgeMs: 31 * 86_400_000, now: () => Date.now() });
  const at = now.getTime();
  // fresh ids, made before the clock starts (an id added twice is not written twice)
  const ids = Array.from({ length: WARM_UP + ROUNDS * ROUND }, () => uuidv7());
  let next = 0;
  return {
    'parse JWS (submission bytes)': (i) => parseJsonBytes(docs[i % DOCS]!.data),
    'parse protected header': (i) => parseJsonBytes(docs[i % DOCS]!.header),
    'parse payload (envelope)': (i) => parseJsonBytes(docs[i % DOCS]!.payload),
    'router decision (routeSubmission)': (i) => {
      const d = routeSubmission(docs[i % DOCS]!.submission, ctx);
      if (d.type === 'refuse') throw new Error(`bench document refused: ${d.reason}`);
    },
    'SDK prepare (build + validate + sign)': (i) => {
      const sender = agencies[i % AGENCIES]!;
      return sealEnvelope(buildEnvelope(sender.code, docs[i % DOCS]!.draft, now), sender.signing, sender.kid);
    },
    'SDK verifyInbound (all checks)': (i) => {
      const d = docs[i % DOCS]!;
      return verifyInbound(d.data, sdkDirectory, d.headers, { recipient: d.to, nowMs: at });
    },
    'handled register add (memory)': () => memory.add(ids[next++ % ids.length]!, at),
    'handled register add (file)': () => file.add(ids[next++ % ids.length]!, at),
    'router trace context (none, off)': () => routeTrace(bare),
    'router trace context (W3C, off)': () => routeTrace(traced),
  };
}

/** Sleeps without running anything (no timers, no event loop turn): the callgrind window stays empty. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function main(): void {
  const stateDir = mkdtempSync(join(tmpdir(), 'lt-hot-path-'));
  try {
    const fns = setup(stateDir);
    const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
    const names = Object.keys(fns).filter((n) => !only || only.some((o) => n.startsWith(o)));
    if (names.length === 0) throw new Error(`BENCH_ONLY matches none of: ${Object.keys(fns).join('; ')}`);
    const fixed = process.env.BENCH_N === undefined ? undefined : Number(process.env.BENCH_N);
    if (fixed !== undefined) {
      for (const f of Object.values(fns)) for (let i = 0; i < WARM_UP; i++) f(i);
      const pauseMs = Number(process.env.BENCH_PAUSE_MS ?? 4_000);
      writeSync(1, 'READY\n');
      pause(pauseMs);
      for (const n of names) for (let i = 0; i < fixed; i++) fns[n]!(i);
      writeSync(1, 'DONE\n');
      pause(pauseMs);
      return;
    }
    console.log(`node ${process.version}; µs per operation, best of ${ROUNDS} rounds of ${ROUND} after ${WARM_UP} warm-up`);
    for (const n of names) {
      const f = fns[n]!;
      for (let i = 0; i < WARM_UP; i++) f(i);
      let best = Infinity;
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < ROUND; i++) f(i);
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / ROUND / 1000);
      }
      console.log(`${n.padEnd(40)} ${best.toFixed(2).padStart(8)} µs`);
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main();

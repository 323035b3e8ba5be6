import { Webhook } from 'standardwebhooks';
import { LtError } from '@lt/contracts';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './webhooks';

const NOW = new Date('2026-12-06T10:00:00Z');
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function signed(body: string, id = 'msg-1', at = NOW, key = secret): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signWebhook(key, id, at, body) };
}

function failure(fn: () => unknown): LtError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LtError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('verifyWebhook', () => {
  const body = JSON.stringify({ id: 'msg-1', kind: 'document', subject: 'Công văn số 12' });

  it('matches the Standard Webhooks reference signature', () => {
    // the example of the Standard Webhooks specification
    const at = new Date(1614265330 * 1000);
    const reference = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', at, reference)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(new Webhook(secret).sign('msg_p5jXN8AQM9LWM0D4loKWxJek', at, reference)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts a webhook signed by the standardwebhooks library, from a string or a Buffer', () => {
    const headers = {
      'webhook-id': 'msg-1',
      'webhook-timestamp': String(Math.floor(NOW.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg-1', NOW, body),
    };
    expect(verifyWebhook({ secret, headers, body, now: NOW })).toEqual({ id: 'msg-1', timestamp: NOW, payload: JSON.parse(body) });
    expect(verifyWebhook({ secret, headers, body: Buffer.from(body), now: NOW }).payload).toEqual(JSON.parse(body));
  });

  it('produces what the standardwebhooks library accepts (the receivers Java and .NET libraries implement the same)', () => {
    const now = new Date();
    expect(new Webhook(secret).verify(body, signed(body, 'msg-1', now))).toEqual(JSON.parse(body));
  });

  it('reads node:http headers, fetch Headers, upper-case names and several signatures', () => {
    const headers = signed(body);
    expect(verifyWebhook({ secret, headers: new Headers(headers), body, now: NOW }).id).toBe('msg-1');
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ secret, headers: upper, body, now: NOW }).id).toBe('msg-1');
    const rotated = { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${headers['webhook-signature']}` };
    expect(verifyWebhook({ secret, headers: rotated, body, now: NOW }).id).toBe('msg-1');
  });

  it('refuses a tampered body, another secret, a missing or malformed header, with the reason', () => {
    const headers = signed(body);
    const cases: Array<[string, () => unknown]> = [
      ['signature-mismatch', () => verifyWebhook({ secret, headers, body: body.replace('12', '13'), now: NOW })],
      ['signature-mismatch', () => verifyWebhook({ secret: generateWebhookSecret(), headers, body, now: NOW })],
      ['signature-mismatch', () => verifyWebhook({ secret, headers: { ...headers, 'webhook-id': 'msg-2' }, body, now: NOW })],
      ['missing-header', () => verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': undefined }, body, now: NOW })],
      ['malformed-timestamp', () => verifyWebhook({ secret, headers: { ...headers, 'webhook-timestamp': '2026-12-06' }, body, now: NOW })],
      ['malformed-signature', () => verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': 'v2,abc' }, body, now: NOW })],
    ];
    for (const [reason, call] of cases) {
      const err = failure(call);
      expect(err.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      expect(err.details).toMatchObject({ reason });
    }
    expect(failure(() => verifyWebhook({ secret, headers: {}, body, now: NOW })).details).toEqual({
      reason: 'missing-header',
      missing: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    });
  });

  it('refuses a timestamp outside the tolerance, both ways', () => {
    const old = signed(body, 'msg-1', new Date(NOW.getTime() - 301_000));
    expect(failure(() => verifyWebhook({ secret, headers: old, body, now: NOW })).details).toMatchObject({ reason: 'timestamp-too-old' });
    expect(verifyWebhook({ secret, headers: old, body, now: NOW, toleranceSec: 600 }).id).toBe('msg-1');
    const ahead = signed(body, 'msg-1', new Date(NOW.getTime() + 301_000));
    expect(failure(() => verifyWebhook({ secret, headers: ahead, body, now: NOW })).details).toMatchObject({ reason: 'timestamp-too-new' });
  });

  it('refuses a replay with WEBHOOK_REPLAYED when given the ids seen; a refused one is not remembered', () => {
    const seen = new Set<string>();
    const headers = signed(body);
    expect(() => verifyWebhook({ secret, headers, body: body + ' ', now: NOW, seen })).toThrow(LtError);
    expect(seen.size).toBe(0);
    expect(verifyWebhook({ secret, headers, body, now: NOW, seen }).id).toBe('msg-1');
    const replay = failure(() => verifyWebhook({ secret, headers, body, now: NOW, seen }));
    expect(replay.code).toBe('WEBHOOK_REPLAYED');
    expect(replay.details).toEqual({ id: 'msg-1' });
  });

  it('refuses a signed body that is not JSON', () => {
    const text = 'not json';
    expect(failure(() => verifyWebhook({ secret, headers: signed(text), body: text, now: NOW })).details).toMatchObject({ reason: 'body-not-json' });
  });

  it('generates whsec_ secrets of 32 random bytes that both sides accept', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
    const now = new Date();
    const headers = {
      'webhook-id': 'x',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(a).sign('x', now, '{}'),
    };
    expect(verifyWebhook({ secret: a, headers, body: '{}' }).payload).toEqual({});
  });

  it('refuses a secret that is not whsec_<base64> with VALIDATION_FAILED', () => {
    expect(failure(() => verifyWebhook({ secret: 'whsec_not base64!', headers: signed(body), body })).code).toBe('VALIDATION_FAILED');
  });
});

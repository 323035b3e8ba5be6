import { ConfigError, envInt, loadConfig } from './config';

describe('loadConfig', () => {
  it('has local defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ natsUrl: 'nats://127.0.0.1:4222', ns: 'lt', gatewayPort: 8080, inboxMaxAgeDays: 30 });
    expect(c.databaseUrl).toMatch(/^postgres:\/\/.*\/lienthong$/);
  });

  it.each([
    ['NATS_URL', 'http://x', /NATS_URL/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL/],
    ['GATEWAY_PORT', '70000', /GATEWAY_PORT.*0 to 65535/],
    ['GATEWAY_PORT', '12.5', /GATEWAY_PORT/],
    ['LT_NAMESPACE', 'LT', /LT_NAMESPACE/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['LT_INBOX_MAX_AGE_DAYS', '0', /LT_INBOX_MAX_AGE_DAYS/],
  ])('a wrong %s=%j stops boot with a message naming it', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });
});

describe('envInt', () => {
  it('falls back when unset or empty, reads an integer in range', () => {
    expect(envInt({}, 'X', 7, 0, 10)).toBe(7);
    expect(envInt({ X: '' }, 'X', 7, 0, 10)).toBe(7);
    expect(envInt({ X: '10' }, 'X', 7, 0, 10)).toBe(10);
  });

  it.each(['11', '-1', '2.5', 'ten'])('refuses X=%j naming the variable and the range', (raw) => {
    expect(() => envInt({ X: raw }, 'X', 7, 0, 10)).toThrow(ConfigError);
    expect(() => envInt({ X: raw }, 'X', 7, 0, 10)).toThrow(`config X: must be an integer from 0 to 10 (got ${JSON.stringify(raw)})`);
  });
});

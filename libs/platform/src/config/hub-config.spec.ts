import { CONFIG_SCHEMA, ConfigError, DEFAULT_HUB_AGENCY, envInt, loadConfig, readVariable, type ConfigName } from './index';

describe('loadConfig', () => {
  it('has local defaults', () => {
    const c = loadConfig({});
    expect(c).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/lienthong',
      ns: 'lt',
      gatewayPort: 8080,
      gatewayHost: '127.0.0.1',
      dataDir: '.data',
      inboxMaxAgeDays: 30,
      hubAgency: DEFAULT_HUB_AGENCY,
      logLevel: 'info',
    });
    expect(DEFAULT_HUB_AGENCY).toBe('000.00.00.G22');
  });

  it('reads set values; an empty one counts as unset', () => {
    expect(loadConfig({ LT_NAMESPACE: 't1', GATEWAY_PORT: '0', LT_HUB_AGENCY: '000.00.00.H41' })).toMatchObject({
      ns: 't1',
      gatewayPort: 0,
      hubAgency: '000.00.00.H41',
    });
    expect(loadConfig({ NATS_URL: '', GATEWAY_PORT: '' })).toMatchObject({ natsUrl: 'nats://127.0.0.1:4222', gatewayPort: 8080 });
  });

  it.each([
    ['NATS_URL', 'http://x', /NATS_URL/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL/],
    ['GATEWAY_PORT', '70000', /GATEWAY_PORT.*0 to 65535/],
    ['GATEWAY_PORT', '12.5', /GATEWAY_PORT/],
    ['LT_NAMESPACE', 'LT', /LT_NAMESPACE/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['LT_INBOX_MAX_AGE_DAYS', '0', /LT_INBOX_MAX_AGE_DAYS/],
    ['LT_HUB_AGENCY', 'G22', /LT_HUB_AGENCY: must be an agency code/],
  ])('a wrong %s=%j stops boot with a message naming it', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });
});

describe('NATS_URL: one server or the servers of a cluster', () => {
  it('takes several URLs separated by commas, and refuses the list when one of them is wrong, naming the variable', () => {
    const cluster = 'nats://nats-1:4222,nats://nats-2:4222, tls://nats-3:4222';
    expect(loadConfig({ NATS_URL: cluster }).natsUrl).toBe(cluster);
    expect(() => loadConfig({ NATS_URL: 'nats://nats-1:4222,http://nats-2:4222' })).toThrow(/NATS_URL/);
    expect(() => loadConfig({ NATS_URL: 'nats://nats-1:4222,' })).toThrow(/NATS_URL/);
  });
});

describe('CONFIG_SCHEMA', () => {
  it.each(Object.keys(CONFIG_SCHEMA) as ConfigName[])('the default of %s passes its own validation', (name) => {
    expect(() => readVariable({}, name)).not.toThrow();
  });

  it('names each variable in upper case, and lists who reads it', () => {
    for (const [name, v] of Object.entries(CONFIG_SCHEMA)) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(v.readBy.length).toBeGreaterThan(0);
      expect(v.meaning).not.toBe('');
    }
  });
});

describe('envInt', () => {
  it('falls back when unset or empty, reads an integer in range', () => {
    expect(envInt({}, 'X', 7, 0, 10)).toBe(7);
    expect(envInt({ X: '' }, 'X', 7, 0, 10)).toBe(7);
    expect(envInt({ X: '10' }, 'X', 7, 0, 10)).toBe(10);
  });

  it.each(['11', '-1', '2.5', 'ten', ' '])('refuses X=%j naming the variable and the range', (raw) => {
    expect(() => envInt({ X: raw }, 'X', 7, 0, 10)).toThrow(ConfigError);
    expect(() => envInt({ X: raw }, 'X', 7, 0, 10)).toThrow(`config X: must be an integer from 0 to 10 (got ${JSON.stringify(raw)})`);
  });
});

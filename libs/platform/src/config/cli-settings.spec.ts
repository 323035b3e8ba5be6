import { ConfigError, loadCliSettings } from './index';

describe('loadCliSettings', () => {
  it('defaults the gateway URL to the local gateway port', () => {
    expect(loadCliSettings({})).toEqual({
      gatewayUrl: 'http://127.0.0.1:8080',
      token: undefined,
      dataDir: '.data',
      natsUrl: 'nats://127.0.0.1:4222',
      natsSeedFile: undefined,
      natsTlsDir: undefined,
      ns: 'lt',
    });
    expect(loadCliSettings({ GATEWAY_PORT: '9090' }).gatewayUrl).toBe('http://127.0.0.1:9090');
  });

  it('reads LT_GATEWAY_URL (without its trailing slash) and LT_TOKEN', () => {
    expect(loadCliSettings({ LT_GATEWAY_URL: 'https://hub.example/', LT_TOKEN: 'abc' })).toMatchObject({ gatewayUrl: 'https://hub.example', token: 'abc' });
  });

  it('ignores service settings it does not use, and names its own wrong ones', () => {
    expect(loadCliSettings({ DATABASE_URL: 'nonsense', LT_ROUTER_VERIFY: 'gpu' }).ns).toBe('lt');
    expect(() => loadCliSettings({ LT_GATEWAY_URL: 'ftp://x' })).toThrow(ConfigError);
    expect(() => loadCliSettings({ LT_GATEWAY_URL: 'ftp://x' })).toThrow(/LT_GATEWAY_URL/);
    expect(() => loadCliSettings({ LT_NAMESPACE: 'Bad' })).toThrow(/LT_NAMESPACE/);
  });
});

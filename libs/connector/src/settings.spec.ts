import { ConfigError } from '@lt/platform';
import { callerPolicy, isLoopbackHost, loadConnectorSettings } from './settings';

describe('callerPolicy: who may call the connector', () => {
  const token = 'x'.repeat(32);
  it('loopback without a token: local callers', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(callerPolicy({ host }, undefined)).toEqual({ kind: 'loopback' });
  });
  it('any address with a token, with mutual TLS, or with both', () => {
    expect(callerPolicy({ host: '0.0.0.0' }, token)).toEqual({ kind: 'token', token });
    expect(callerPolicy({ host: '10.0.0.5', tlsDir: '/tls' }, undefined)).toEqual({ kind: 'mtls' });
    expect(callerPolicy({ host: '10.0.0.5', tlsDir: '/tls' }, token)).toEqual({ kind: 'mtls+token', token });
    // a token on loopback is required too
    expect(callerPolicy({ host: '127.0.0.1' }, token)).toEqual({ kind: 'token', token });
  });
  it('a network address with neither, or a short token: refuses to start, naming the setting', () => {
    expect(() => callerPolicy({ host: '0.0.0.0' }, undefined)).toThrow(ConfigError);
    expect(() => callerPolicy({ host: '0.0.0.0' }, undefined)).toThrow(/LT_CONNECTOR_TOKEN_FILE|LT_CONNECTOR_TLS_DIR/);
    expect(() => callerPolicy({ host: '0.0.0.0' }, 'short')).toThrow(/at least 32 characters/);
  });
  it('isLoopbackHost', () => {
    expect([isLoopbackHost('127.0.0.1'), isLoopbackHost('::1'), isLoopbackHost('192.168.1.2'), isLoopbackHost('0.0.0.0')]).toEqual([true, true, false, false]);
  });
});

describe('loadConnectorSettings', () => {
  it('defaults: loopback 8090, 12 webhook attempts, 128 MiB packages', () => {
    expect(loadConnectorSettings({})).toMatchObject({
      host: '127.0.0.1',
      port: 8090,
      webhookMaxAttempts: 12,
      maxPackageBytes: 128 * 1024 * 1024,
      dataDir: '.data',
    });
  });
  it('a wrong value stops with the variable named', () => {
    expect(() => loadConnectorSettings({ LT_CONNECTOR_PORT: 'eighty' })).toThrow(/LT_CONNECTOR_PORT/);
    expect(() => loadConnectorSettings({ LT_CONNECTOR_WEBHOOK_URL: 'ftp://x' })).toThrow(/LT_CONNECTOR_WEBHOOK_URL/);
  });
});

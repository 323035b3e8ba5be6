import { ConfigError, loadRouterSettings } from './index';

describe('loadRouterSettings', () => {
  it('has the defaults of the schema; LT_ROUTING_DENY stays raw for the router to parse', () => {
    expect(loadRouterSettings({})).toEqual({
      denyRules: undefined,
      maxBatch: 512,
      lingerMs: 0,
      maxDeliver: 8,
      verify: 'inline',
      poolThreshold: 64,
      ackWaitMs: 30_000,
    });
    expect(loadRouterSettings({ LT_ROUTING_DENY: '[{"from":">","to":">"}]' }).denyRules).toBe('[{"from":">","to":">"}]');
    expect(loadRouterSettings({ LT_ROUTER_VERIFY: 'pool', LT_ROUTER_LINGER_MS: '5' })).toMatchObject({ verify: 'pool', lingerMs: 5 });
  });

  it('names the wrong variable', () => {
    expect(() => loadRouterSettings({ LT_ROUTER_VERIFY: 'gpu' })).toThrow(ConfigError);
    expect(() => loadRouterSettings({ LT_ROUTER_VERIFY: 'gpu' })).toThrow(/LT_ROUTER_VERIFY: must be one of inline, pool/);
    expect(() => loadRouterSettings({ LT_ROUTER_MAX_BATCH: '0' })).toThrow(/LT_ROUTER_MAX_BATCH.*1 to 5000/);
    expect(() => loadRouterSettings({ LT_ROUTER_ACK_WAIT_MS: '999' })).toThrow(/LT_ROUTER_ACK_WAIT_MS/);
  });
});

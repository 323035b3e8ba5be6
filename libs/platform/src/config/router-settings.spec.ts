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
      submitRatePerSecond: 100,
      submitBurst: 1000,
      broadcastCaps: { central: 5000, province: 2000, district: 300, commune: 50 },
    });
    expect(loadRouterSettings({ LT_ROUTING_DENY: '[{"from":">","to":">"}]' }).denyRules).toBe('[{"from":">","to":">"}]');
    expect(loadRouterSettings({ LT_ROUTER_VERIFY: 'pool', LT_ROUTER_LINGER_MS: '5' })).toMatchObject({ verify: 'pool', lingerMs: 5 });
  });

  it('names the wrong variable', () => {
    expect(() => loadRouterSettings({ LT_ROUTER_VERIFY: 'gpu' })).toThrow(ConfigError);
    expect(() => loadRouterSettings({ LT_ROUTER_VERIFY: 'gpu' })).toThrow(/LT_ROUTER_VERIFY: must be one of inline, pool/);
    expect(() => loadRouterSettings({ LT_ROUTER_MAX_BATCH: '0' })).toThrow(/LT_ROUTER_MAX_BATCH.*1 to 5000/);
    expect(() => loadRouterSettings({ LT_ROUTER_ACK_WAIT_MS: '999' })).toThrow(/LT_ROUTER_ACK_WAIT_MS/);
    expect(() => loadRouterSettings({ LT_ROUTER_SUBMIT_BURST: '0' })).toThrow(/LT_ROUTER_SUBMIT_BURST/);
    // a cap above the hard recipient limit could never apply
    expect(() => loadRouterSettings({ LT_ROUTER_BROADCAST_MAX_CENTRAL: '5001' })).toThrow(/LT_ROUTER_BROADCAST_MAX_CENTRAL.*1 to 5000/);
  });

  it('reads the rate limit and the broadcast caps', () => {
    const s = loadRouterSettings({ LT_ROUTER_SUBMIT_RATE: '0', LT_ROUTER_BROADCAST_MAX_COMMUNE: '5', LT_ROUTER_BROADCAST_MAX_PROVINCE: '1200' });
    expect(s.submitRatePerSecond).toBe(0);
    expect(s.broadcastCaps).toEqual({ central: 5000, province: 1200, district: 300, commune: 5 });
  });
});

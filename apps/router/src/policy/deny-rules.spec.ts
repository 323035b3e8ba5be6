import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';
import { ConfigError, loadConfig } from '@lt/platform';
import { loadDenyPolicy, loadRouterConfig } from '../config';
import type { AgencyView } from '@lt/directory';
import { compilePattern, DenyRulesPolicy } from './deny-rules';
import { allOf, defaultRoutingPolicy } from './routing-policy';

function view(code: string, status: AgencyView['status'] = 'active'): AgencyView {
  return { code, name: code, tier: 'province', parentCode: null, status, successorCode: null, validFrom: '2020-01-01T00:00:00.000Z', validTo: null, version: 1 };
}
const tokens = (code: string) => code.split('.').reverse();

describe('deny rule patterns', () => {
  it.each([
    ['H41.>', '000.00.00.H41', true],
    ['H41.>', '001.12.05.H41', true],
    ['H41.>', '000.00.00.H49', false],
    ['H41.05.>', '000.12.05.H41', true],
    ['H41.05.>', '000.00.05.H41', true],
    ['H41.05.>', '000.00.06.H41', false],
    ['*.00.00.000', '000.00.00.G12', true],
    ['*.00.00.000', '000.00.05.G12', false],
    ['>', '000.00.00.A01', true],
    ['G12.00.00.000', '000.00.00.G12', true],
    ['000.00.18.G12', '000.00.18.G12', true],
    ['000.00.18.G12', '000.00.00.G12', false],
  ])('%s matches %s: %s', (pattern, code, expected) => {
    expect(compilePattern(pattern, 'p')(tokens(code))).toBe(expected);
  });

  it.each([
    ['H41', /can never match/],
    ['H41.>.05', /last token/],
    ['41.>', /level-1 unit/],
    ['H41.5.>', /level-2 unit/],
    ['H41.00.00.000.1', /5 tokens/],
    ['', /non-empty/],
  ])('refuses %j naming the problem', (pattern, message) => {
    expect(() => compilePattern(pattern, 'rules[0].from')).toThrow(message);
  });
});

describe('DenyRulesPolicy', () => {
  const policy = new DenyRulesPolicy([
    { from: 'H41.>', to: ['G12.>', '000.00.00.G22'], kinds: ['document'], reason: 'through the Government Office only' },
    { from: '000.00.00.H49', to: '>' },
  ]);

  it('denies what a rule matches, with its reason', () => {
    expect(policy.check(view('000.00.05.H41'), view('000.00.18.G12'), 'document')).toEqual({ allow: false, reason: 'through the Government Office only' });
    expect(policy.check(view('000.00.05.H41'), view('000.00.00.G22'), 'document').allow).toBe(false);
    expect(policy.check(view('000.00.00.H49'), view('000.00.00.A01'), 'status')).toMatchObject({ allow: false, reason: expect.stringMatching(/deny rule 1/) });
  });

  it('allows what no rule matches', () => {
    expect(policy.check(view('000.00.05.H41'), view('000.00.18.G12'), 'status')).toEqual({ allow: true });
    expect(policy.check(view('000.00.00.H14'), view('000.00.18.G12'), 'document')).toEqual({ allow: true });
    expect(policy.check(view('000.00.00.G12'), view('000.00.00.H41'), 'document')).toEqual({ allow: true });
  });

  it('refuses malformed rules with VALIDATION_FAILED naming the field', () => {
    const bad = (rules: unknown) => {
      try {
        new DenyRulesPolicy(rules, 'LT_ROUTING_DENY');
      } catch (e) {
        expect(e).toBeInstanceOf(LtError);
        return (e as LtError).message;
      }
      throw new Error('no error');
    };
    expect(bad({})).toMatch(/^LT_ROUTING_DENY must be a JSON array/);
    expect(bad([{ to: '>' }])).toMatch(/^LT_ROUTING_DENY\[0\]\.from is required/);
    expect(bad([{ from: '>', to: '>', kinds: ['letter'] }])).toMatch(/\[0\]\.kinds "letter" is not one of/);
    expect(bad([{ from: '>', to: '>', when: 'always' }])).toMatch(/\[0\]\.when is not a rule field/);
    expect(bad([{ from: ['>', 'X1.>'], to: '>' }])).toMatch(/\[0\]\.from\[1\]/);
  });

  it('composes with the default policy: inactive agencies and agency receipts stay refused', () => {
    const p = allOf(defaultRoutingPolicy, policy);
    expect(p.check(view('000.00.00.G12'), view('000.00.00.H41', 'suspended'), 'document').allow).toBe(false);
    expect(p.check(view('000.00.00.G12'), view('000.00.00.H41'), 'receipt').allow).toBe(false);
    expect(p.check(view('000.00.00.G12'), view('000.00.00.H41'), 'document').allow).toBe(true);
  });
});

describe('LT_ROUTING_DENY', () => {
  it('reads inline JSON or a file, and stops the service with a message naming the variable', () => {
    expect(loadDenyPolicy(undefined)).toBeNull();
    expect(loadDenyPolicy('[{"from":"H41.>","to":"G12.>"}]')!.size).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'deny-'));
    const file = join(dir, 'deny.json');
    writeFileSync(
      file,
      JSON.stringify([
        { from: 'H41.>', to: 'G12.>' },
        { from: '>', to: '000.00.00.H49' },
      ]),
    );
    expect(loadDenyPolicy(file)!.size).toBe(2);
    expect(() => loadDenyPolicy('[{"from":"H41"}]')).toThrow(ConfigError);
    expect(() => loadDenyPolicy('[{"from":"H41"}]')).toThrow(/^config LT_ROUTING_DENY: rules\[0\]/);
    expect(() => loadDenyPolicy('/no/such/file.json')).toThrow(/neither a JSON array nor an existing file/);
    expect(() => loadDenyPolicy('[nope')).toThrow(/not valid JSON/);
  });

  it('loadRouterConfig validates the router variables', () => {
    expect(loadRouterConfig({})).toMatchObject({ denyPolicy: null, maxBatch: 512, maxDeliver: 8, verify: 'inline' });
    expect(() => loadRouterConfig({ LT_ROUTER_VERIFY: 'gpu' })).toThrow(/LT_ROUTER_VERIFY/);
    expect(() => loadRouterConfig({ LT_ROUTER_MAX_BATCH: '0' })).toThrow(/LT_ROUTER_MAX_BATCH/);
  });

  it('LT_HUB_AGENCY (libs/platform) defaults to the Government Office and must be an agency code', () => {
    expect(loadConfig({}).hubAgency).toBe('000.00.00.G22');
    expect(loadConfig({ LT_HUB_AGENCY: '000.00.00.H41' }).hubAgency).toBe('000.00.00.H41');
    expect(() => loadConfig({ LT_HUB_AGENCY: 'G22' })).toThrow(/LT_HUB_AGENCY/);
  });
});

import { ConfigError } from '@lt/platform';
import { DEFAULT_AUDIT_OPTIONS, loadAuditOptions } from './config';

describe('loadAuditOptions', () => {
  it('defaults', () => {
    expect(loadAuditOptions({})).toEqual(DEFAULT_AUDIT_OPTIONS);
  });

  it('reads every variable', () => {
    const o = loadAuditOptions(
      {
        LT_AUDIT_ORIGIN: 'example.org/log',
        LT_AUDIT_CHECKPOINT_ENTRIES: '500',
        LT_AUDIT_CHECKPOINT_MS: '1000',
        LT_RECEIPTS: 'off',
        LT_RECEIPT_KINDS: 'document',
        LT_AUDIT_RECEIPT_MAX_ITEMS: '1000',
        LT_AUDIT_BATCH: '200',
        LT_AUDIT_LINGER_MS: '0',
        LT_AUDIT_VERIFY_INTERVAL_MS: '0',
      },
      '000.00.00.G01',
    );
    expect(o).toMatchObject({
      origin: 'example.org/log',
      checkpointEvery: 500,
      checkpointIntervalMs: 1000,
      receipts: false,
      receiptKinds: ['document'],
      receiptMaxItems: 1000,
      maxBatch: 200,
      lingerMs: 0,
      verifyIntervalMs: 0,
      hubAgency: '000.00.00.G01',
    });
  });

  it('names the wrong variable', () => {
    expect(() => loadAuditOptions({ LT_AUDIT_ORIGIN: 'has space' })).toThrow(/LT_AUDIT_ORIGIN/);
    expect(() => loadAuditOptions({ LT_RECEIPTS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadAuditOptions({ LT_RECEIPT_KINDS: 'document,letter' })).toThrow(/LT_RECEIPT_KINDS.*letter/);
    expect(() => loadAuditOptions({ LT_AUDIT_CHECKPOINT_ENTRIES: '0' })).toThrow(/LT_AUDIT_CHECKPOINT_ENTRIES/);
    expect(() => loadAuditOptions({ LT_AUDIT_LINGER_MS: '-1' })).toThrow(/LT_AUDIT_LINGER_MS.*0 to 10000/);
    // a receipt lists at most RECEIPT_MAX_ITEMS (1000) items, and at least one
    expect(() => loadAuditOptions({ LT_AUDIT_RECEIPT_MAX_ITEMS: '1001' })).toThrow(/LT_AUDIT_RECEIPT_MAX_ITEMS.*1 to 1000/);
    expect(() => loadAuditOptions({ LT_AUDIT_RECEIPT_MAX_ITEMS: '0' })).toThrow(/LT_AUDIT_RECEIPT_MAX_ITEMS/);
    expect(() => loadAuditOptions({ LT_AUDIT_RECEIPT_MAX_ITEMS: '2.5' })).toThrow(ConfigError);
  });
});

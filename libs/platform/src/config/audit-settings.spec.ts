import { ConfigError, loadAuditSettings } from './index';

describe('loadAuditSettings', () => {
  it('has the defaults of the schema', () => {
    expect(loadAuditSettings({})).toEqual({
      origin: 'lienthong.gov.vn/audit',
      checkpointEvery: 1000,
      checkpointIntervalMs: 5000,
      receipts: true,
      receiptKinds: ['document', 'dossier'],
      receiptMaxItems: 500,
      maxBatch: 1000,
      lingerMs: 50,
      verifyIntervalMs: 6 * 3_600_000,
    });
  });

  it('reads on/off switches and kind lists', () => {
    expect(loadAuditSettings({ LT_RECEIPTS: 'OFF' }).receipts).toBe(false);
    expect(loadAuditSettings({ LT_RECEIPTS: '1' }).receipts).toBe(true);
    expect(loadAuditSettings({ LT_RECEIPT_KINDS: ' document , status ' }).receiptKinds).toEqual(['document', 'status']);
  });

  it('names the wrong variable', () => {
    expect(() => loadAuditSettings({ LT_AUDIT_ORIGIN: 'has space' })).toThrow(/LT_AUDIT_ORIGIN/);
    expect(() => loadAuditSettings({ LT_AUDIT_ORIGIN: 'a+b' })).toThrow(ConfigError);
    expect(() => loadAuditSettings({ LT_RECEIPTS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadAuditSettings({ LT_RECEIPTS: 'maybe' })).toThrow(/LT_RECEIPTS: must be on or off/);
    expect(() => loadAuditSettings({ LT_RECEIPT_KINDS: 'document,letter' })).toThrow(/LT_RECEIPT_KINDS.*letter/);
    expect(() => loadAuditSettings({ LT_AUDIT_CHECKPOINT_ENTRIES: '0' })).toThrow(/LT_AUDIT_CHECKPOINT_ENTRIES/);
    expect(() => loadAuditSettings({ LT_AUDIT_LINGER_MS: '-1' })).toThrow(/LT_AUDIT_LINGER_MS.*0 to 10000/);
    // a receipt lists at most RECEIPT_MAX_ITEMS (1000) items, and at least one
    expect(() => loadAuditSettings({ LT_AUDIT_RECEIPT_MAX_ITEMS: '1001' })).toThrow(/LT_AUDIT_RECEIPT_MAX_ITEMS.*1 to 1000/);
    expect(() => loadAuditSettings({ LT_AUDIT_RECEIPT_MAX_ITEMS: '0' })).toThrow(/LT_AUDIT_RECEIPT_MAX_ITEMS/);
    expect(() => loadAuditSettings({ LT_AUDIT_RECEIPT_MAX_ITEMS: '2.5' })).toThrow(ConfigError);
  });
});

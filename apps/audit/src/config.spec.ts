import { ConfigError, DEFAULT_HUB_AGENCY } from '@lt/platform';
import { DEFAULT_AUDIT_OPTIONS, loadAuditOptions } from './config';

// validation of each variable: libs/platform/src/config/audit-settings.spec.ts
describe('loadAuditOptions', () => {
  it('defaults', () => {
    expect(loadAuditOptions({})).toEqual(DEFAULT_AUDIT_OPTIONS);
    expect(DEFAULT_AUDIT_OPTIONS).toMatchObject({
      origin: 'lienthong.gov.vn/audit',
      receiptKinds: ['document', 'dossier'],
      hubAgency: DEFAULT_HUB_AGENCY,
      receiptBatch: 2000,
      standbyRetryMs: 2000,
    });
  });

  it('reads every variable and takes the hub agency of the hub-wide config', () => {
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
    expect(() => loadAuditOptions({ LT_RECEIPTS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadAuditOptions({ LT_AUDIT_LINGER_MS: '-1' })).toThrow(/LT_AUDIT_LINGER_MS.*0 to 10000/);
  });
});

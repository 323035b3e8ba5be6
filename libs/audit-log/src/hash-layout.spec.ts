import { MemoryLog, leafHash, storedHashCount } from '@lt/tlog';
import { groupByRecord, hashesWrittenBy, locateStoredHash, slotOf } from './hash-layout';

describe('one audit_hashes row per record', () => {
  const log = new MemoryLog();
  const rows: Buffer[] = [];
  for (let n = 0; n < 300; n++) {
    const r = log.appendLeafHashes([leafHash(Buffer.from(`entry ${n}`))]);
    rows.push(...groupByRecord(n, r.hashes));
  }

  it('holds exactly the hashes appending that record wrote', () => {
    expect(rows).toHaveLength(300);
    rows.forEach((row, n) => expect(row.length).toBe(32 * hashesWrittenBy(n)));
    expect(rows.reduce((s, r) => s + r.length / 32, 0)).toBe(storedHashCount(300));
  });

  it('locates every stored hash index in its record row', () => {
    for (let index = 0; index < storedHashCount(300); index++) {
      const { record, slot } = locateStoredHash(index);
      expect(slotOf(rows[record], slot).equals(log.readHashes([index])[0])).toBe(true);
    }
  });

  it('groups a batch append the same way', () => {
    const batch = new MemoryLog();
    batch.appendLeafHashes([leafHash(Buffer.from('entry 0'))]);
    const r = batch.appendLeafHashes(Array.from({ length: 299 }, (_, i) => leafHash(Buffer.from(`entry ${i + 1}`))));
    const grouped = groupByRecord(1, r.hashes);
    grouped.forEach((row, i) => expect(row.equals(rows[i + 1])).toBe(true));
  });
});

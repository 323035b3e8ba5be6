import fc from 'fast-check';
import { canonicalJson } from '@lt/crypto';
import { canonicalBody, canonicalEntryBytes, entryLeafHash, type JsonValue, type LogEntry } from './canonical-entry';

describe('canonical entry bytes', () => {
  const entry: LogEntry = {
    seq: 3,
    source: 'event',
    id: 'e1',
    type: 'msg.flagged',
    messageId: null,
    agencies: ['000.00.00.H41'],
    at: '2026-11-22T08:00:00.000Z',
    body: { z: 1, a: [true, null] },
  };

  it('are canonical JSON of the eight fields (what an offline verifier recomputes)', () => {
    expect(canonicalEntryBytes(entry).toString()).toBe(
      '{"agencies":["000.00.00.H41"],"at":"2026-11-22T08:00:00.000Z","body":{"a":[true,null],"z":1},"id":"e1","messageId":null,"seq":3,"source":"event","type":"msg.flagged"}',
    );
  });

  it('change with every field', () => {
    const base = entryLeafHash(entry);
    const variants: Partial<LogEntry>[] = [
      { seq: 4 },
      { source: 'inbox' },
      { id: 'e2' },
      { type: 'msg.replayed' },
      { messageId: '01935f6e-8a3b-7c2d-9e4f-0a1b2c3d4e5f' },
      { agencies: [] },
      { at: '2026-11-22T08:00:00.001Z' },
      { body: { z: 2, a: [true, null] } },
    ];
    for (const v of variants) expect(entryLeafHash({ ...entry, ...v }).equals(base)).toBe(false);
    expect(entryLeafHash({ ...entry, body: { a: [true, null], z: 1 } }).equals(base)).toBe(true);
  });
});

describe('fast canonical JSON', () => {
  it('equals @lt/crypto canonicalJson on any JSON entry', () => {
    const json = fc.jsonValue() as fc.Arbitrary<JsonValue>;
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom('event', 'inbox'),
        fc.string(),
        fc.string(),
        fc.option(fc.uuid()),
        fc.array(fc.string()),
        json,
        (seq, source, id, type, messageId, agencies, body) => {
          const e = { seq, source, id, type, messageId, agencies, at: '2026-11-22T08:00:00.000Z', body } as LogEntry;
          expect(canonicalEntryBytes(e).toString()).toBe(canonicalJson({ seq, source, id, type, messageId, agencies, at: e.at, body }));
          expect(canonicalBody(body)).toBe(canonicalJson(body));
        },
      ),
      { numRuns: 500 },
    );
  });
});

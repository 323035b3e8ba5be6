import fc from 'fast-check';
import { CsvParser, parseCsv } from './csv-parser';

/** Writes fields the way a spreadsheet does: quotes only when needed, quotes doubled. */
function toCsv(rows: string[][], eol: string): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

describe('CsvParser (RFC 4180)', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks, with Vietnamese text', () => {
    const text = 'code,name\n000.00.00.H41,"Ủy ban nhân dân tỉnh Nghệ An, ""UBND""\ndòng hai"\n000.00.00.H49,Quảng Ninh\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['code', 'name'] },
      { line: 2, fields: ['000.00.00.H41', 'Ủy ban nhân dân tỉnh Nghệ An, "UBND"\ndòng hai'] },
      { line: 4, fields: ['000.00.00.H49', 'Quảng Ninh'] },
    ]);
  });

  it('strips a BOM, accepts CRLF and lone CR, skips blank lines, needs no final newline', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4\r5,6')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'] },
      { line: 5, fields: ['5', '6'] },
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(parseCsv('a,,c,\n')).toEqual([{ line: 1, fields: ['a', '', 'c', ''] }]);
    expect(parseCsv('""\n')).toEqual([{ line: 1, fields: [''] }]);
  });

  it('reports text after a closing quote on that record and goes on', () => {
    const out = parseCsv('"a"x,b\nc,d\n');
    expect(out[0]).toMatchObject({ line: 1, fields: ['ax', 'b'], error: expect.stringContaining('after the closing quote') });
    expect(out[1]).toEqual({ line: 2, fields: ['c', 'd'] });
  });

  it('reports an unterminated quoted field at the end with the line it opened on', () => {
    const out = parseCsv('a,b\n1,"open\nmore');
    expect(out[1]).toMatchObject({ line: 2, error: 'unterminated quoted field opened on line 2' });
  });

  it('keeps a quote inside an unquoted field literally', () => {
    expect(parseCsv('a"b,c\n')).toEqual([{ line: 1, fields: ['a"b', 'c'] }]);
  });

  it('gives the same records however the text is cut into chunks', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Ủ', ',', '"', '\n', '\r', ' ', 'x'), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 8 }),
        (rows, eol, cuts) => {
          const text = toCsv(rows, eol);
          const whole = parseCsv(text);
          expect(whole.map((r) => r.fields)).toEqual(rows);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const p = new CsvParser();
          const pieces = [];
          let from = 0;
          for (const at of [...points, text.length]) {
            pieces.push(...p.feed(text.slice(from, at)));
            from = at;
          }
          pieces.push(...p.end());
          expect(pieces).toEqual(whole);
        },
      ),
      { numRuns: 500 },
    );
  });
});

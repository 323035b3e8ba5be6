import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_SCHEMA, renderConfigDoc } from './index';

// docs/configuration.md is generated from the schema; when it is out of date this test writes the
// expected text to a temp file and prints the command that copies it over (no npm script needed).
const DOC = join(__dirname, '..', '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const expected = renderConfigDoc();

  it('lists every variable of the schema once, and no other', () => {
    const names = Object.keys(CONFIG_SCHEMA);
    const rows = [...doc.matchAll(/^\| `([A-Z][A-Z0-9_]*)` +\|/gm)].map((m) => m[1]!);
    expect({ missingFromDoc: names.filter((n) => !rows.includes(n)), notInSchema: rows.filter((n) => !names.includes(n)) }).toEqual({
      missingFromDoc: [],
      notInSchema: [],
    });
    expect(rows.length).toBe(new Set(rows).size);
  });

  it('is the text renderConfigDoc() generates', () => {
    if (doc !== expected) {
      const fresh = join(tmpdir(), 'lt-configuration.md');
      writeFileSync(fresh, expected);
      process.stderr.write(`docs/configuration.md is out of date; regenerate with:\n  cp ${fresh} docs/configuration.md\n`);
    }
    expect(doc).toBe(expected);
  });
});

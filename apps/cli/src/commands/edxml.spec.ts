import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// the edXML lib's realistic package (every header field, a signature, an attachment)
import { ATTACHMENT_TEXT as ATTACHMENT_TEXT_FOR_CLI, fullDocumentXml as fullDocumentXmlForCli } from '../../../../libs/edxml/src/testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('lienthong edxml import | export', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'edxml-cli-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('imports a package to the hub JSON with its attachment, exports it back, and the re-import is equal', async () => {
    const xmlFile = join(dir, 'in.xml');
    await writeFile(xmlFile, fullDocumentXmlForCli());
    const jsonFile = join(dir, 'doc.json');
    const files = join(dir, 'files');
    const imported = await runCli(['edxml', 'import', xmlFile, '--out', jsonFile, '--attachments-dir', files]);
    expect(imported).toMatchObject({ code: 0, err: '' });
    const json = JSON.parse(await readFile(jsonFile, 'utf8'));
    expect(json.to).toEqual(['000.00.02.H41', '000.00.03.H41']);
    expect(json.body.subject).toMatch(/^Về việc phê duyệt/);
    expect(json.attachments).toEqual([
      {
        name: 'Quyết định 125-QĐ-UBND.pdf',
        mediaType: 'application/pdf',
        size: Buffer.byteLength(ATTACHMENT_TEXT_FOR_CLI),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(await readFile(join(files, 'Quyết định 125-QĐ-UBND.pdf'), 'utf8')).toBe(ATTACHMENT_TEXT_FOR_CLI);

    const outXml = join(dir, 'out.xml');
    const exported = await runCli(['edxml', 'export', jsonFile, '--out', outXml, '--attachments-dir', files]);
    expect(exported).toMatchObject({ code: 0, err: '' });
    const again = await runCli(['edxml', 'import', outXml, '--attachments-dir', join(dir, 'again')]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toEqual(json);
  });

  it('prints error CODE: message for a refused package, and exports a status package', async () => {
    const bad = join(dir, 'bad.xml');
    await writeFile(bad, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>');
    const refused = await runCli(['edxml', 'import', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/^error EDXML_FORBIDDEN_CONSTRUCT: /);

    const status = join(dir, 'status.json');
    await writeFile(
      status,
      JSON.stringify({
        kind: 'status',
        from: { organId: '000.00.02.H41' },
        responseFor: { organId: '000.00.01.H41', documentId: 'D-1' },
        status: { statusCode: '03' },
      }),
    );
    const out = await runCli(['edxml', 'export', status]);
    expect(out.code).toBe(0);
    expect(out.out).toContain('<edXML:StatusCode>03</edXML:StatusCode>');
    const missing = await runCli(['edxml', 'export', join(dir, 'nope.json')]);
    expect(missing.err).toMatch(/^error NOT_FOUND: /);
    expect(existsSync(join(dir, 'nope.json'))).toBe(false);
  });
});

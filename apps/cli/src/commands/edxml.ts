import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { LtError, parseJsonBytes, type DocumentBody, type OrganInfo } from '@lt/contracts';
import {
  fileAttachmentSink,
  readEdxml,
  writeEdxmlDocument,
  writeEdxmlStatus,
  type EdxmlOriginalReference,
  type EdxmlPackage,
  type EdxmlStatusPackage,
} from '@lt/edxml';
import type { CliContext } from '../context';

/** The hub's JSON form of an imported document: recipients, body, attachments (found by name in a folder). */
export interface HubDocumentJson {
  to: string[];
  body: DocumentBody;
  attachments?: Array<{ name: string; mediaType: string; size: number; sha256: string }>;
  /** business 1/2/3: the edXML DocumentId acted on; body.business.originalId is the envelope id to set before sending */
  original?: EdxmlOriginalReference;
}

/** What `edxml import` writes: a document as the hub takes it, or a status package as read. */
export function hubJsonOf(pkg: EdxmlPackage): HubDocumentJson | EdxmlStatusPackage {
  if (pkg.kind === 'status') return pkg;
  const attachments = pkg.attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256 }));
  return {
    to: pkg.to.map((o) => o.organId),
    body: pkg.body,
    ...(attachments.length ? { attachments } : {}),
    ...(pkg.original ? { original: pkg.original } : {}),
  };
}

async function importPackage(file: string, o: { out?: string; attachmentsDir?: string }): Promise<string> {
  if (!existsSync(file)) throw new LtError('NOT_FOUND', `no such file: ${file}`);
  const dir = resolve(o.attachmentsDir ?? '.');
  await mkdir(dir, { recursive: true });
  const pkg = await readEdxml(createReadStream(file), { sink: fileAttachmentSink(dir) });
  if (pkg.kind === 'document') {
    // the sink names files by a random id; give each its attachment name (a checked bare file name)
    const taken = new Set<string>();
    for (const a of pkg.attachments) {
      if (taken.has(a.name) || existsSync(join(dir, a.name)))
        throw new LtError('DUPLICATE', `${join(dir, a.name)} exists already (or two attachments share the name)`);
      taken.add(a.name);
      await rename(a.path!, join(dir, a.name));
    }
  }
  const json = JSON.stringify(hubJsonOf(pkg), null, 2) + '\n';
  if (o.out) await writeFile(o.out, json);
  return json;
}

function isStatusJson(value: Record<string, unknown>): boolean {
  return value.kind === 'status';
}

async function exportPackage(file: string, o: { out?: string; attachmentsDir?: string }): Promise<void> {
  if (!existsSync(file)) throw new LtError('NOT_FOUND', `no such file: ${file}`);
  const json = parseJsonBytes(await readFile(file), { maxBytes: 64 * 1024 * 1024 }) as Record<string, unknown>;
  if (json === null || typeof json !== 'object') throw new LtError('BAD_REQUEST', `${file} must hold a JSON object`);
  if (isStatusJson(json)) {
    const xml = writeEdxmlStatus(json as unknown as EdxmlStatusPackage);
    if (o.out) await writeFile(o.out, xml);
    else process.stdout.write(xml);
    return;
  }
  const doc = json as unknown as HubDocumentJson & { to?: Array<string | OrganInfo> };
  if (!doc.body || typeof doc.body !== 'object') throw new LtError('BAD_REQUEST', `${file} has no "body" object`);
  const dir = resolve(o.attachmentsDir ?? '.');
  const attachments = (doc.attachments ?? []).map((a, i) => {
    const path = join(dir, String(a.name));
    if (!existsSync(path) || !statSync(path).isFile()) throw new LtError('ATTACHMENT_NOT_FOUND', `attachments[${i}]: no file ${path}`);
    const meta = doc.body.edxml?.attachments?.[i];
    return { name: a.name, mediaType: a.mediaType, contentId: meta?.contentId, description: meta?.description, open: () => createReadStream(path) };
  });
  // recipients as codes: their details come from body.to when it names them
  const to = (doc.to ?? []).map((t) => (typeof t === 'string' ? (doc.body.to?.find((b) => b.organId === t) ?? { organId: t }) : t));
  const stream = writeEdxmlDocument({ body: doc.body, to: to.length ? to : undefined, attachments, originalDocumentId: doc.original?.documentId });
  if (o.out) await pipeline(stream, createWriteStream(o.out));
  else for await (const chunk of stream) process.stdout.write(chunk as Buffer);
}

/** Offline commands: they read and write files, they need no gateway, token or NATS. */
export function registerEdxmlCommands(program: Command, _ctx: () => CliContext): void {
  const edxml = program.command('edxml').description('edXML (QCVN 102:2016) packages in and out of the hub JSON');
  edxml
    .command('import <file>')
    .description('read an edXML document or status package; print (or --out) the hub JSON, attachments into --attachments-dir')
    .option('--out <file>', 'write the JSON here instead of printing it')
    .option('--attachments-dir <dir>', 'folder for the attachments, each under its name (default: the current folder)')
    .action(async (file: string, o: { out?: string; attachmentsDir?: string }) => {
      const json = await importPackage(file, o);
      if (!o.out) process.stdout.write(json);
    });
  edxml
    .command('export <file>')
    .description('write the hub JSON ({to, body, attachments} or a status package) as edXML; attachments read from --attachments-dir')
    .option('--out <file>', 'write the XML here instead of printing it')
    .option('--attachments-dir <dir>', 'folder holding the attachments, each under its name (default: the current folder)')
    .action(async (file: string, o: { out?: string; attachmentsDir?: string }) => {
      await exportPackage(file, o);
    });
}

import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { LtError } from '@lt/contracts';
import type { AttachmentWriter } from './types';

/**
 * A streaming pass over an XML package with saxes (non-validating, never expands external entities).
 * It builds a small element tree of everything except base64 content, keeps the exact source text
 * of elements the caller marks `raw`, and hands the decoded bytes of elements marked `base64` to a
 * writer as they arrive, so memory stays flat whatever the attachments weigh.
 */

export interface XmlNode {
  local: string;
  qname: string;
  /** element path from the root, `Name[i]` for elements that may repeat */
  path: string;
  children: XmlNode[];
  text: string;
  line: number;
  column: number;
  /** source text of the element (classification `raw`), namespaces it inherits declared on it */
  raw?: string;
  /** for `base64`: what the writer reported */
  stored?: { size: number; sha256: string; path?: string };
}

export type Classification = 'known' | 'raw' | 'base64';

export interface XmlStreamOptions {
  maxBytes: number;
  /** local names from the root; called for elements whose parent is `known` */
  classify: (localNames: readonly string[]) => Classification;
  /** names that may repeat under one parent: their path segment carries an index */
  repeatable: ReadonlySet<string>;
  /** opens the writer of a `base64` element (node is its parent, children so far) */
  openBase64: (element: XmlNode, parent: XmlNode) => Promise<AttachmentWriter>;
  /** most characters of one `raw` element */
  maxRawChars: number;
  /** prefix bindings ('' the default namespace) the writers declare at the root: not repeated on raw elements */
  rootBindings: ReadonlyMap<string, string>;
}

/** Input chunks are cut to this many bytes so that what saxes buffers per step stays small. */
const PIECE_BYTES = 64 * 1024;
/** Longest text (or comment, PI) of one element outside base64 content. */
const MAX_TEXT_CHARS = 1024 * 1024;
/** Most elements (outside raw) and most depth: a header, not a data dump. */
const MAX_ELEMENTS = 20_000;
const MAX_DEPTH = 64;
/** Everything the tree keeps (texts and raw elements). */
const MAX_RETAINED_CHARS = 16 * 1024 * 1024;

// saxes internal states (saxes 6): the DOCTYPE ones (2..12) and those where it buffers text
const STATE_DOCTYPE_FIRST = 2;
const STATE_DOCTYPE_LAST = 12;
const STATE_TEXT = 13;
const STATE_ENTITY = 14;
const STATE_CDATA = 20;

/**
 * saxes accumulates a text node until the next tag; base64 text must be taken as it comes. These
 * two fields are the only internals used (checked by the streaming test).
 */
interface SaxesInternals {
  text: string;
  state: number;
}

const BASE64_CHARS = /^[A-Za-z0-9+/=]*$/;
const WHITESPACE = /[\s]+/g;

class Base64Decoder {
  private carry = '';
  private sawPadding = false;

  constructor(private readonly field: string) {}

  /** decoded bytes of the complete 4-character groups so far */
  push(text: string): Buffer | undefined {
    const clean = text.replace(WHITESPACE, '');
    if (clean === '') return undefined;
    if (!BASE64_CHARS.test(clean)) throw new LtError('EDXML_INVALID', `${this.field} is not base64 text`, { field: this.field, reason: 'base64' });
    if (this.sawPadding) throw new LtError('EDXML_INVALID', `${this.field} has base64 text after its padding`, { field: this.field, reason: 'base64' });
    const all = this.carry + clean;
    const whole = all.length - (all.length % 4);
    this.carry = all.slice(whole);
    if (whole === 0) return undefined;
    const part = all.slice(0, whole);
    const pad = part.indexOf('=');
    if (pad !== -1) {
      if (pad < whole - 2 || this.carry !== '' || (pad === whole - 2 && part[whole - 1] !== '=')) {
        throw new LtError('EDXML_INVALID', `${this.field} has base64 padding in the middle`, { field: this.field, reason: 'base64' });
      }
      this.sawPadding = true;
    }
    return Buffer.from(part, 'base64');
  }

  finish(): void {
    if (this.carry !== '') throw new LtError('EDXML_INVALID', `${this.field} base64 text is cut short`, { field: this.field, reason: 'base64' });
  }
}

interface Frame {
  node: XmlNode;
  cls: Classification;
  /** same-name counters for the children's indexes */
  seen: Map<string, number>;
  decoder?: Base64Decoder;
  writer?: Promise<AttachmentWriter>;
}

interface Capture {
  frame: Frame;
  start: number;
  /** prefixes declared inside the captured element (a stack per open element) */
  declared: Array<Set<string>>;
  needed: Map<string, string>;
}

export type XmlInput = Readable | Buffer | string;

async function* pieces(input: XmlInput): AsyncGenerator<Buffer> {
  const cut = function* (b: Buffer) {
    for (let i = 0; i < b.length; i += PIECE_BYTES) yield b.subarray(i, i + PIECE_BYTES);
  };
  if (typeof input === 'string') yield* cut(Buffer.from(input, 'utf8'));
  else if (Buffer.isBuffer(input)) yield* cut(input);
  else for await (const chunk of input) yield* cut(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer));
}

/** Reads the whole input; returns the root element. Every failure is an LtError. */
export async function readXmlTree(input: XmlInput, opts: XmlStreamOptions): Promise<XmlNode> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const internals = parser as unknown as SaxesInternals;
  const stack: Frame[] = [];
  const writers: Array<Promise<AttachmentWriter>> = [];
  let root: XmlNode | undefined;
  let capture: Capture | undefined;
  let rawDepth = 0;
  let elements = 0;
  let retained = 0;
  // work the sync parser events queue for the async sink, done in order between input pieces
  let chain: Promise<void> = Promise.resolve();
  // source text from `windowBase`: the previous and current piece, or all of a capture
  let window = '';
  let windowBase = 0;
  let fed = 0;

  const fail = (code: 'EDXML_MALFORMED' | 'EDXML_FORBIDDEN_CONSTRUCT', message: string): never => {
    throw new LtError(code, `${message} (line ${parser.line}, column ${parser.column})`, { line: parser.line, column: parser.column });
  };
  const retain = (n: number) => {
    retained += n;
    if (retained > MAX_RETAINED_CHARS)
      throw new LtError('EDXML_INVALID', `the package header is over ${MAX_RETAINED_CHARS} characters`, { reason: 'header_too_large' });
  };

  parser.on('error', (e) => {
    const message = e.message.replace(/^\d+:\d+: /, '');
    if (/entity/.test(message)) fail('EDXML_FORBIDDEN_CONSTRUCT', `entity reference refused: ${message}`);
    fail('EDXML_MALFORMED', `not well-formed XML: ${message}`);
  });
  parser.on('doctype', () => fail('EDXML_FORBIDDEN_CONSTRUCT', 'a DOCTYPE (DTD, entity declarations) is not allowed in an edXML package'));
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
      throw new LtError('EDXML_INVALID', `the package must be UTF-8, it declares ${JSON.stringify(decl.encoding.slice(0, 40))}`, {
        field: 'xml',
        reason: 'encoding',
      });
    }
  });

  parser.on('opentagstart', () => {
    if (capture) return;
    // the tag's `<` is the last one before the name just read
    const at = window.lastIndexOf('<', parser.position - windowBase - 1);
    if (at === -1) throw new LtError('EDXML_INVALID', `an element name is over ${PIECE_BYTES} characters`, { reason: 'name_too_long' });
    tagStart = windowBase + at;
  });
  let tagStart = 0;

  parser.on('opentag', (tag: SaxesTagNS) => {
    const parent = stack[stack.length - 1];
    if (capture) {
      rawDepth++;
      noteNamespaces(capture, tag);
    }
    if (stack.length >= MAX_DEPTH) throw new LtError('EDXML_INVALID', `elements nest deeper than ${MAX_DEPTH}`, { reason: 'depth' });
    if (++elements > MAX_ELEMENTS)
      throw new LtError('EDXML_INVALID', `the package has more than ${MAX_ELEMENTS} elements outside attachments`, { reason: 'elements' });
    if (parent?.cls === 'base64')
      throw new LtError('EDXML_INVALID', `${parent.node.path} must hold base64 text only, found element ${tag.name}`, { field: parent.node.path });
    const index = parent ? (parent.seen.get(tag.local) ?? 0) : 0;
    parent?.seen.set(tag.local, index + 1);
    const segment = opts.repeatable.has(tag.local) ? `${tag.local}[${index}]` : tag.local;
    const node: XmlNode = {
      local: tag.local,
      qname: tag.name,
      path: parent ? `${parent.node.path}/${segment}` : segment,
      children: [],
      text: '',
      line: parser.line,
      column: parser.column,
    };
    let cls: Classification = 'known';
    if (parent && parent.cls !== 'known') cls = parent.cls;
    else cls = opts.classify([...stack.map((f) => f.node.local), tag.local]);
    const frame: Frame = { node, cls, seen: new Map() };
    if (parent) parent.node.children.push(node);
    else root = node;
    stack.push(frame);
    if (cls === 'raw' && !capture) {
      capture = { frame, start: tagStart, declared: [], needed: new Map() };
      rawDepth = 1;
      noteNamespaces(capture, tag);
    }
    if (cls === 'base64') {
      frame.decoder = new Base64Decoder(node.path);
      const writer = chain.then(() => opts.openBase64(node, parent!.node));
      // keep the chain alive on failure; the failure surfaces when the writer is awaited
      writer.catch(() => undefined);
      writers.push(writer);
      frame.writer = writer;
      chain = writer.then(() => undefined);
    }
  });

  const takeText = (text: string) => {
    const frame = stack[stack.length - 1];
    if (!frame) return;
    if (frame.cls === 'base64') {
      const bytes = frame.decoder!.push(text);
      if (bytes) {
        const writer = frame.writer!;
        chain = chain.then(async () => (await writer).write(bytes));
      }
      return;
    }
    if (frame.node.text.length + text.length > MAX_TEXT_CHARS) {
      throw new LtError('EDXML_INVALID', `${frame.node.path} text is over ${MAX_TEXT_CHARS} characters`, { field: frame.node.path, reason: 'too_long' });
    }
    retain(text.length);
    frame.node.text += text;
  };
  parser.on('text', takeText);
  parser.on('cdata', takeText);

  parser.on('closetag', () => {
    const frame = stack.pop()!;
    if (frame.cls === 'base64') {
      frame.decoder!.finish();
      const writer = frame.writer!;
      chain = chain.then(async () => {
        frame.node.stored = await (await writer).end();
      });
    }
    if (capture) {
      if (--rawDepth > 0) {
        capture.declared.pop();
        return;
      }
      const end = parser.position;
      const source = window.slice(capture.start - windowBase, end - windowBase);
      for (const [prefix, uri] of opts.rootBindings) if (capture.needed.get(prefix) === uri) capture.needed.delete(prefix);
      capture.frame.node.raw = withNamespaces(source, capture.frame.node.qname, capture.needed);
      retain(source.length);
      if (capture.frame.node.raw.length > opts.maxRawChars) tooLargeRaw(capture.frame.node);
      capture = undefined;
    }
  });

  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  const feed = (text: string) => {
    if (text === '') return;
    if (capture) window += text;
    else {
      // keep the previous piece: a tag may start in it
      const keepFrom = Math.max(0, window.length - PIECE_BYTES);
      windowBase += keepFrom;
      window = window.slice(keepFrom) + text;
    }
    fed += text.length;
    parser.write(text);
    const state = internals.state;
    if (state >= STATE_DOCTYPE_FIRST && state <= STATE_DOCTYPE_LAST) {
      fail('EDXML_FORBIDDEN_CONSTRUCT', 'a DOCTYPE (DTD, entity declarations) is not allowed in an edXML package');
    }
    const frame = stack[stack.length - 1];
    if (frame?.cls === 'base64' && (state === STATE_TEXT || state === STATE_ENTITY || state === STATE_CDATA) && internals.text.length > 0) {
      const text = internals.text;
      internals.text = '';
      takeText(text);
    } else if (internals.text.length > MAX_TEXT_CHARS) {
      throw new LtError('EDXML_INVALID', `${frame?.node.path ?? 'the prolog'} has a text, comment or instruction over ${MAX_TEXT_CHARS} characters`, {
        field: frame?.node.path,
        reason: 'too_long',
      });
    }
    if (capture && fed - capture.start > opts.maxRawChars + 2 * PIECE_BYTES) tooLargeRaw(capture.frame.node);
  };

  try {
    let first = true;
    for await (const piece of pieces(input)) {
      bytes += piece.length;
      if (bytes > opts.maxBytes) {
        if (input instanceof Readable) input.destroy();
        throw new LtError('PAYLOAD_TOO_LARGE', `the edXML package is over ${opts.maxBytes} bytes`, { max: opts.maxBytes });
      }
      let text = decoder.write(piece);
      if (first && text.length > 0) {
        // a UTF-8 byte order mark is allowed before the XML declaration
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      feed(text);
      await chain;
    }
    feed(decoder.end());
    parser.close();
    await chain;
    if (!root) throw new LtError('EDXML_MALFORMED', 'not well-formed XML: no root element', { line: parser.line, column: parser.column });
    return root;
  } catch (e) {
    // drop what the sink stored: the package is refused
    await Promise.allSettled(writers.map(async (w) => (await w).abort()));
    await chain.catch(() => undefined);
    throw e;
  }
}

function tooLargeRaw(node: XmlNode): never {
  throw new LtError('EDXML_INVALID', `${node.path} is over the limit for an element kept as is`, { field: node.path, reason: 'too_long' });
}

function noteNamespaces(capture: Capture, tag: SaxesTagNS): void {
  const declared = new Set<string>(Object.keys(tag.ns));
  capture.declared.push(declared);
  const isDeclared = (prefix: string) => capture.declared.some((d) => d.has(prefix));
  const need = (prefix: string, uri: string) => {
    if (!isDeclared(prefix) && !capture.needed.has(prefix) && !(prefix === '' && uri === '') && prefix !== 'xml') capture.needed.set(prefix, uri);
  };
  need(tag.prefix, tag.uri);
  for (const attr of Object.values(tag.attributes)) {
    if (attr.prefix !== '' && attr.prefix !== 'xmlns' && attr.name !== 'xmlns') need(attr.prefix, attr.uri);
  }
}

/** Declares on the element's start tag the namespaces it used from its ancestors. */
function withNamespaces(source: string, qname: string, needed: Map<string, string>): string {
  if (needed.size === 0) return source;
  const decls = [...needed].map(([prefix, uri]) => ` ${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${escapeAttribute(uri)}"`).join('');
  const at = 1 + qname.length;
  return source.slice(0, at) + decls + source.slice(at);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

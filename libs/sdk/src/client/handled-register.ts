import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LtError } from '@lt/contracts';

export interface HandledRegisterOptions {
  /** JSON-lines file kept across restarts; undefined: in memory only */
  file?: string;
  /** ids remembered at most (oldest first out) */
  limit: number;
  /**
   * ids of copies issued longer ago than this are forgotten: the issuedAt window refuses such a
   * copy before the register is asked, so remembering it would only cost memory
   */
  maxAgeMs: number;
  now: () => number;
}

/**
 * Envelope ids of inbox copies whose ack the server confirmed. A copy the server hands over again
 * (its consumer state lost in a crash, or an old copy replayed) is acked again instead of being
 * given to the application twice, also after the application restarted: each id is appended to a
 * file as one line `["<id>",<issuedAt ms>]`, read back when the register opens. The file is
 * rewritten without the forgotten ids when it has grown to twice what is remembered. A torn last
 * line (a crash mid-write) is skipped. One file per client instance: two processes sharing one
 * file lose some of each other's ids when one of them rewrites it.
 */
export class HandledRegister {
  private readonly ids = new Map<string, number>();
  private fd?: number;
  /** lines in the file, forgotten ids included */
  private lines = 0;

  private constructor(private readonly opts: HandledRegisterOptions) {}

  /** Reads the file (creating it and its folder when missing). Throws VALIDATION_FAILED when it cannot be read or written. */
  static open(opts: HandledRegisterOptions): HandledRegister {
    const r = new HandledRegister(opts);
    if (opts.file !== undefined) r.load(opts.file);
    return r;
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers `id`; a failed write loses only what a restart would remember (logged by the caller through the thrown error). */
  add(id: string, issuedAtMs: number): void {
    if (this.ids.has(id)) return;
    this.ids.set(id, issuedAtMs);
    this.evictOverLimit();
    if (this.fd === undefined) return;
    this.append(`${JSON.stringify([id, issuedAtMs])}\n`);
    if (this.lines > 2 * Math.max(this.ids.size, 1_000)) this.rewrite();
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private load(file: string): void {
    let text = '';
    try {
      mkdirSync(dirname(file), { recursive: true });
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw unusable(file, err);
    }
    const cutoff = this.cutoff();
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      this.lines++;
      const entry = parseLine(line);
      if (entry && entry[1] >= cutoff) this.ids.set(entry[0], entry[1]);
    }
    this.evictOverLimit();
    try {
      this.fd = openSync(file, 'a');
    } catch (err) {
      throw unusable(file, err);
    }
    if (this.lines > this.ids.size) this.rewrite();
  }

  private cutoff(): number {
    return this.opts.now() - this.opts.maxAgeMs;
  }

  private evictOverLimit(): void {
    while (this.ids.size > this.opts.limit) this.ids.delete(this.ids.keys().next().value!);
  }

  private append(text: string): void {
    try {
      writeSync(this.fd!, text);
      this.lines++;
    } catch (err) {
      throw unusable(this.opts.file!, err);
    }
  }

  /** Writes the remembered ids to a new file and renames it over the old one. */
  private rewrite(): void {
    const file = this.opts.file!;
    const cutoff = this.cutoff();
    for (const [id, at] of this.ids) if (at < cutoff) this.ids.delete(id);
    const tmp = `${file}.tmp`;
    try {
      const out = openSync(tmp, 'w');
      try {
        let chunk = '';
        for (const [id, at] of this.ids) {
          chunk += `${JSON.stringify([id, at])}\n`;
          if (chunk.length > 64 * 1024) {
            writeSync(out, chunk);
            chunk = '';
          }
        }
        if (chunk) writeSync(out, chunk);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      renameSync(tmp, file);
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = openSync(file, 'a');
      this.lines = this.ids.size;
    } catch (err) {
      throw unusable(file, err);
    }
  }
}

function parseLine(line: string): [string, number] | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && Number.isFinite(v[1])) return [v[0], v[1] as number];
  } catch {
    // a line torn by a crash
  }
  return undefined;
}

function unusable(file: string, err: unknown): LtError {
  return new LtError('VALIDATION_FAILED', `handled-id register ${file} cannot be used: ${(err as Error).message}`, { field: 'stateDir', file });
}

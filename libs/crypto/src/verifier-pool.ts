import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LtError, type SigningAlg } from '@lt/contracts';
import type { DecodedJws } from './jws';
import { isHighS, isSigningAlg, VerifyKey, type JWK } from './keys';
import { VERIFIER_WORKER_SOURCE } from './verifier-worker';

export interface VerifyItem {
  signingInput: Uint8Array;
  signature: Uint8Array;
  /** alg named by the JWS header; an item whose key is of another type is false */
  alg: SigningAlg;
  /** the workers cache imported keys by kid: a kid must keep its key (a changed key is re-sent) */
  kid: string;
  /** the registered public key: a VerifyKey, SPKI DER bytes, or a public JWK */
  key: VerifyKey | Uint8Array | JWK;
}

export interface VerifierPoolOptions {
  /** number of worker threads; default availableParallelism() - 1, at least 1 */
  size?: number;
  /** batches smaller than this go to one worker whole instead of being split (default 16) */
  minChunk?: number;
}

type Material = { spki: Uint8Array } | { jwk: JWK };
interface TableEntry {
  kid: string;
  material?: Material;
}
interface Pending {
  resolve: (out: Uint8Array) => void;
  reject: (err: Error) => void;
  size: number;
}
interface Slot {
  worker: Worker;
  /** kid -> fingerprint of the key material this worker holds */
  known: Map<string, string>;
  pending: Map<number, Pending>;
  load: number;
}

const ALG_CODE: Record<SigningAlg, number> = { EdDSA: 0, ES256: 1 };

/** Builds the item for one decoded JWS and the key its kid resolved to. */
export function toVerifyItem(decoded: DecodedJws, key: VerifyKey | Uint8Array | JWK): VerifyItem {
  return { signingInput: decoded.signingInput, signature: decoded.signature, alg: decoded.header.alg, kid: decoded.header.kid, key };
}

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Verifies batches of signatures on worker threads so the event loop that reads messages keeps
 * running. Same answers as VerifyKey.verify / verifyDecoded (ES256 low-S only), item by item; an item whose key
 * material cannot be imported is false. Call close() when done.
 */
export class VerifierPool {
  readonly size: number;
  private readonly minChunk: number;
  private readonly slots: Slot[] = [];
  private readonly spkiFingerprints = new WeakMap<VerifyKey, string>();
  private nextId = 1;
  private closed = false;

  constructor(options: VerifierPoolOptions = {}) {
    const size = options.size ?? defaultPoolSize();
    if (!Number.isInteger(size) || size < 1) {
      throw new LtError('VALIDATION_FAILED', `VerifierPool size ${size} must be a whole number of at least 1`, { field: 'size' });
    }
    this.size = size;
    this.minChunk = Math.max(1, options.minChunk ?? 16);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(VERIFIER_WORKER_SOURCE, { eval: true, name: 'lt-verifier' });
    const slot: Slot = { worker, known: new Map(), pending: new Map(), load: 0 };
    worker.unref();
    worker.on('message', (msg: { id: number; out: Uint8Array }) => {
      const p = slot.pending.get(msg.id);
      if (!p) return;
      slot.pending.delete(msg.id);
      slot.load -= p.size;
      if (slot.pending.size === 0) worker.unref();
      p.resolve(msg.out);
    });
    const onFailure = (err: Error) => this.replace(slot, err);
    worker.on('error', onFailure);
    worker.on('exit', (code) => {
      if (!this.closed) onFailure(new Error(`verifier worker exited with code ${code}`));
    });
    return slot;
  }

  /** A dead worker fails its own in-flight batches and is replaced; the others carry on. */
  private replace(slot: Slot, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    for (const p of slot.pending.values()) p.reject(new LtError('INTERNAL', `signature verification worker failed: ${err.message}`));
    slot.pending.clear();
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    if (this.closed) return;
    this.slots[index] = this.spawn();
  }

  /** One boolean per item, in order. */
  async verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]> {
    if (this.closed) throw new LtError('UNAVAILABLE', 'VerifierPool is closed');
    if (!Array.isArray(items)) throw new LtError('VALIDATION_FAILED', 'items must be an array', { field: 'items' });
    const results: boolean[] = new Array(items.length).fill(false);
    // items that cannot verify whatever the key says never leave this thread
    const sendable: number[] = [];
    items.forEach((item, i) => {
      if (!(item.signingInput instanceof Uint8Array)) throw new LtError('VALIDATION_FAILED', `items[${i}].signingInput must be bytes`, { field: `items[${i}].signingInput` });
      if (!(item.signature instanceof Uint8Array)) throw new LtError('VALIDATION_FAILED', `items[${i}].signature must be bytes`, { field: `items[${i}].signature` });
      if (typeof item.kid !== 'string') throw new LtError('VALIDATION_FAILED', `items[${i}].kid must be a string`, { field: `items[${i}].kid` });
      if (item.key === null || typeof item.key !== 'object') throw new LtError('VALIDATION_FAILED', `items[${i}].key must be a VerifyKey, SPKI bytes or a public JWK`, { field: `items[${i}].key` });
      if (!(item.key instanceof VerifyKey) && !(item.key instanceof Uint8Array) && (item.key as JWK).d !== undefined) {
        throw new LtError('VALIDATION_FAILED', `items[${i}].key.d must not be present: a public JWK is expected`, { field: `items[${i}].key.d` });
      }
      if (!isSigningAlg(item.alg)) return;
      if (item.key instanceof VerifyKey && item.key.alg !== item.alg) return;
      if (item.signature.byteLength !== 64) return;
      // the second form of an ECDSA signature is refused as VerifyKey.verify refuses it
      if (item.alg === 'ES256' && isHighS(item.signature)) return;
      sendable.push(i);
    });
    if (sendable.length === 0) return results;

    const chunkCount = Math.min(this.slots.length, Math.ceil(sendable.length / this.minChunk));
    const perChunk = Math.ceil(sendable.length / chunkCount);
    const bySlotLoad = [...this.slots].sort((a, b) => a.load - b.load);
    const jobs: Promise<void>[] = [];
    for (let c = 0; c < chunkCount; c++) {
      const indexes = sendable.slice(c * perChunk, (c + 1) * perChunk);
      if (indexes.length === 0) break;
      const slot = bySlotLoad[c]!;
      jobs.push(
        this.send(slot, items, indexes).then((out) => {
          for (let j = 0; j < indexes.length; j++) results[indexes[j]!] = out[j] === 1;
        }),
      );
    }
    await Promise.all(jobs);
    return results;
  }

  private fingerprint(key: VerifyKey | Uint8Array | JWK): string {
    if (key instanceof VerifyKey) {
      let fp = this.spkiFingerprints.get(key);
      if (fp === undefined) this.spkiFingerprints.set(key, (fp = `spki:${key.spki.toString('base64')}`));
      return fp;
    }
    if (key instanceof Uint8Array) return `spki:${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64')}`;
    return `jwk:${String(key.kty)}|${String(key.crv)}|${String(key.x)}|${String(key.y)}`;
  }

  private material(key: VerifyKey | Uint8Array | JWK): Material {
    // copy into a fresh small array: cloning a pooled Buffer would copy its whole 8 KB slab
    if (key instanceof VerifyKey) return { spki: new Uint8Array(key.spki) };
    if (key instanceof Uint8Array) return { spki: new Uint8Array(key) };
    return { jwk: { kty: key.kty, crv: key.crv, x: key.x, ...(key.y === undefined ? {} : { y: key.y }) } };
  }

  private send(slot: Slot, items: readonly VerifyItem[], indexes: number[]): Promise<Uint8Array> {
    const n = indexes.length;
    const table: TableEntry[] = [];
    const tableIndex = new Map<string, number>();
    const keyIndex = new Uint32Array(n);
    const algs = new Uint8Array(n);
    const bounds = new Uint32Array(3 * n);
    let total = 0;
    for (let j = 0; j < n; j++) {
      const item = items[indexes[j]!]!;
      const fp = this.fingerprint(item.key);
      const tkey = `${item.kid}\u0000${fp}`;
      let t = tableIndex.get(tkey);
      if (t === undefined) {
        t = table.length;
        tableIndex.set(tkey, t);
        if (slot.known.get(item.kid) === fp) table.push({ kid: item.kid });
        else {
          table.push({ kid: item.kid, material: this.material(item.key) });
          slot.known.set(item.kid, fp);
        }
      }
      keyIndex[j] = t;
      algs[j] = ALG_CODE[item.alg];
      total += item.signingInput.byteLength + item.signature.byteLength;
    }
    // one transferable buffer for the whole chunk instead of n structured clones
    const data = new Uint8Array(total);
    let at = 0;
    for (let j = 0; j < n; j++) {
      const item = items[indexes[j]!]!;
      bounds[3 * j] = at;
      data.set(item.signingInput, at);
      at += item.signingInput.byteLength;
      bounds[3 * j + 1] = at;
      data.set(item.signature, at);
      at += item.signature.byteLength;
      bounds[3 * j + 2] = at;
    }
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, size: n });
      slot.load += n;
      slot.worker.ref();
      slot.worker.postMessage({ id, table, data, bounds, keyIndex, algs }, [data.buffer, bounds.buffer, keyIndex.buffer, algs.buffer]);
    });
  }

  /** Terminates the workers; batches still in flight fail with UNAVAILABLE. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      for (const p of slot.pending.values()) p.reject(new LtError('UNAVAILABLE', 'VerifierPool closed while verifying'));
      slot.pending.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

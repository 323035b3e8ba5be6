import { createHash, randomUUID, type Hash } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, StorageType, type ObjectInfo, type ObjectStore } from '@nats-io/obj';
import {
  ATTACHMENT_CHUNK_BYTES,
  attachmentSubjects,
  LtError,
  validateAttachments,
  type AttachmentBindReply,
  type AttachmentBindRequest,
  type AttachmentCompleteReply,
  type AttachmentGetReply,
  type AttachmentOpenReply,
  type AttachmentOpenRequest,
  type AttachmentRevokeReply,
  type AttachmentRevokeRequest,
  type AttachmentStatusReply,
  type AttachmentSubjects,
  type Topology,
} from '@lt/contracts';
import { ensureReplicas, replicaError, type NatsConnection } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import type { AttachmentSettings } from './settings';
import { UploadPipe } from './upload-pipe';

/** What the index bucket keeps per upload (key = upload id). */
export interface UploadRecord {
  id: string;
  owner: string;
  name: string;
  mediaType: string;
  /** declared at open; absent when the sender streams bytes of unknown length */
  size?: number;
  sha256?: string;
  state: 'uploading' | 'complete' | 'bound';
  createdAtMs: number;
  /** last chunk, completion or binding: the unbound TTL counts from here */
  touchedAtMs: number;
  envelopeId?: string;
  recipients?: string[];
  boundAtMs?: number;
  /** recipients that read it to its end (they keep access after a recall) */
  fetchedBy?: string[];
  /** recipients whose access a recall removed */
  revoked?: string[];
}

interface ActiveUpload {
  record: UploadRecord;
  received: number;
  hash: Hash;
  pipe: UploadPipe;
  put: Promise<ObjectInfo>;
}

interface ReadCursor {
  nuid: string;
  size: number;
  nextOffset: number;
  /** stream sequence after which the chunk at nextOffset sits */
  afterSeq: number;
  touchedAtMs: number;
}

const CURSOR_IDLE_MS = 5 * 60_000;
/** uploads in progress per agency: each holds a window of chunks in this process */
export const MAX_ACTIVE_UPLOADS_PER_AGENCY = 16;

/**
 * The hub's side of attachments: uploads streamed into the object store bucket `<ns>-attachments`
 * (the object name is the upload id), a record per upload in the KV bucket
 * `<ns>-attachments-index`, bindings made by the router, downloads served chunk by chunk to the
 * sender and the recipients only. One instance per hub: an upload in progress lives in this
 * process (docs/attachments.md).
 */
export class AttachmentService {
  readonly subjects: AttachmentSubjects;
  private readonly active = new Map<string, ActiveUpload>();
  private readonly cursors = new Map<string, ReadCursor>();
  private readonly readTails = new Map<string, Promise<void>>();
  private readonly chunkSubjectPrefix: string;
  private readonly stream: string;

  private constructor(
    private readonly obj: ObjectStore,
    private readonly index: KV,
    private readonly jsm: JetStreamManager,
    topo: Topology,
    private readonly settings: AttachmentSettings,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.subjects = attachmentSubjects(topo);
    this.chunkSubjectPrefix = `$O.${this.subjects.bucket}.C.`;
    this.stream = `OBJ_${this.subjects.bucket}`;
  }

  /** Opens (creating when missing) the object store bucket and the index bucket. */
  static async open(nc: NatsConnection, topo: Topology, settings: AttachmentSettings, clock: Clock, log: Logger, storage?: 'file' | 'memory'): Promise<AttachmentService> {
    const subjects = attachmentSubjects(topo);
    const js = jetstream(nc, { timeout: 30_000 });
    const st = storage === 'memory' ? StorageType.Memory : StorageType.File;
    const replicas = settings.replicas ?? 1;
    const jsm = await jetstreamManager(nc);
    let obj: ObjectStore;
    let index: KV;
    try {
      obj = await new Objm(js).create(subjects.bucket, { storage: st, replicas });
      index = await new Kvm(js).create(subjects.index, { history: 1, storage: st, replicas });
    } catch (err) {
      throw replicaError(err, `OBJ_${subjects.bucket}`, replicas) ?? err;
    }
    // the client library opens an existing bucket as it is: scale it to the configured count
    await ensureReplicas(jsm, `OBJ_${subjects.bucket}`, settings.replicas);
    await ensureReplicas(jsm, `KV_${subjects.index}`, settings.replicas);
    return new AttachmentService(obj, index, jsm, topo, settings, clock, log);
  }

  // ---------------------------------------------------------------- upload

  async openUpload(owner: string, req: AttachmentOpenRequest): Promise<AttachmentOpenReply> {
    const r = (req ?? {}) as Partial<AttachmentOpenRequest>;
    checkDeclared(r, this.settings);
    let mine = 0;
    for (const up of this.active.values()) if (up.record.owner === owner) mine++;
    if (mine >= MAX_ACTIVE_UPLOADS_PER_AGENCY) {
      throw new LtError('RATE_LIMITED', `${owner} has ${mine} uploads in progress; finish one first`, { limit: MAX_ACTIVE_UPLOADS_PER_AGENCY });
    }
    const now = this.clock.now().getTime();
    const record: UploadRecord = {
      id: randomUUID(),
      owner,
      name: r.name!,
      mediaType: r.mediaType!,
      ...(r.size !== undefined ? { size: r.size } : {}),
      ...(r.sha256 !== undefined ? { sha256: r.sha256 } : {}),
      state: 'uploading',
      createdAtMs: now,
      touchedAtMs: now,
    };
    await this.index.create(record.id, JSON.stringify(record));
    this.start(record);
    return { id: record.id, chunkBytes: ATTACHMENT_CHUNK_BYTES };
  }

  private start(record: UploadRecord): ActiveUpload {
    const pipe = new UploadPipe();
    const put = this.obj.put({ name: record.id, options: { max_chunk_size: ATTACHMENT_CHUNK_BYTES } }, pipe.stream);
    put.catch(() => undefined); // awaited by complete(); a failed put is reported there
    const up: ActiveUpload = { record, received: 0, hash: createHash('sha256'), pipe, put };
    this.active.set(record.id, up);
    return up;
  }

  /**
   * One chunk at `offset`. Checked and hashed at once (requests of one sender arrive in order);
   * answered once stored in the pipe. A chunk already received (a re-send after a dropped
   * connection) is answered without being stored twice.
   */
  chunk(owner: string, id: string, offset: number, data: Uint8Array): Promise<{ received: number }> {
    const up = this.active.get(id);
    if (!up || up.record.owner !== owner) return Promise.reject(notFound(id));
    const name = up.record.name;
    if (offset + data.byteLength <= up.received && offset >= 0) return Promise.resolve({ received: up.received });
    if (offset !== up.received) {
      return Promise.reject(
        new LtError('ATTACHMENT_INCOMPLETE', `attachment ${JSON.stringify(name)}: chunk at ${offset}, expected ${up.received}; ask status and resume from there`, {
          name,
          attachmentId: id,
          received: up.received,
        }),
      );
    }
    const limit = Math.min(up.record.size ?? this.settings.maxBytes, this.settings.maxBytes);
    if (up.received + data.byteLength > limit) {
      const over = up.record.size !== undefined && up.record.size < this.settings.maxBytes;
      const err = over
        ? new LtError('ATTACHMENT_SIZE_MISMATCH', `attachment ${JSON.stringify(name)}: more bytes than the declared ${up.record.size}`, {
            name,
            attachmentId: id,
            declared: up.record.size,
          })
        : tooLarge(name, this.settings.maxBytes, id);
      void this.discard(up, err);
      return Promise.reject(err);
    }
    up.received += data.byteLength;
    up.hash.update(data);
    up.record.touchedAtMs = this.clock.now().getTime();
    const received = up.received;
    return up.pipe.push(data).then(() => ({ received }));
  }

  status(owner: string, id: string): Promise<AttachmentStatusReply> | AttachmentStatusReply {
    const up = this.active.get(id);
    if (up) {
      if (up.record.owner !== owner) throw notFound(id);
      return { id, state: 'uploading', received: up.received, size: up.record.size ?? -1 };
    }
    return this.record(id).then((rec) => {
      if (!rec || rec.owner !== owner) throw notFound(id);
      // an upload this process did not see start (a restart): it begins again at 0
      if (rec.state === 'uploading') {
        this.start(rec);
        return { id, state: 'uploading', received: 0, size: rec.size ?? -1 };
      }
      return { id, state: rec.state, received: rec.size!, size: rec.size! };
    });
  }

  /** The sender says it sent everything, with the size and digest it computed. */
  async complete(owner: string, req: { id: string; size?: number; sha256?: string }): Promise<AttachmentCompleteReply> {
    const id = String(req?.id);
    const up = this.active.get(id);
    if (!up || up.record.owner !== owner) {
      const rec = await this.record(id);
      if (rec && rec.owner === owner && rec.state !== 'uploading') return refOf(rec);
      throw notFound(id);
    }
    const { record } = up;
    const name = record.name;
    const declaredSize = record.size ?? req.size;
    const declaredSha = record.sha256 ?? req.sha256;
    if (declaredSize === undefined || declaredSha === undefined) {
      throw new LtError('VALIDATION_FAILED', `attachment ${JSON.stringify(name)}: complete needs size and sha256 when open did not declare them`, { field: 'sha256', name });
    }
    if (up.received !== declaredSize || (req.size !== undefined && req.size !== declaredSize)) {
      const err = new LtError('ATTACHMENT_SIZE_MISMATCH', `attachment ${JSON.stringify(name)}: ${up.received} bytes received, ${declaredSize} declared`, {
        name,
        attachmentId: id,
        received: up.received,
        declared: declaredSize,
      });
      await this.discard(up, err);
      throw err;
    }
    const digest = up.hash.digest('hex');
    if (digest !== declaredSha || (req.sha256 !== undefined && req.sha256 !== declaredSha)) {
      const err = new LtError('ATTACHMENT_DIGEST_MISMATCH', `attachment ${JSON.stringify(name)}: the bytes received have SHA-256 ${digest}, ${declaredSha} declared`, {
        name,
        attachmentId: id,
        sha256: digest,
        declared: declaredSha,
      });
      await this.discard(up, err);
      throw err;
    }
    up.pipe.end();
    try {
      await up.put;
    } catch (e) {
      this.active.delete(id);
      await this.removeStored(id);
      throw new LtError('UNAVAILABLE', `attachment ${JSON.stringify(name)}: storing failed (${(e as Error).message}); upload it again`, { name, attachmentId: id });
    }
    this.active.delete(id);
    const done: UploadRecord = { ...record, size: declaredSize, sha256: digest, state: 'complete', touchedAtMs: this.clock.now().getTime() };
    await this.index.put(id, JSON.stringify(done));
    return refOf(done);
  }

  private async discard(up: ActiveUpload, err: Error): Promise<void> {
    this.active.delete(up.record.id);
    up.pipe.abort(err);
    await up.put.catch(() => undefined);
    await this.removeStored(up.record.id);
    await this.index.purge(up.record.id).catch(() => undefined);
  }

  private async removeStored(id: string): Promise<void> {
    try {
      await this.obj.delete(id);
    } catch {
      // no object (put never finished): its chunks were purged by put itself
    }
  }

  // ---------------------------------------------------------------- binding (router)

  /**
   * Binds every upload an envelope names to it and its recipients: each must belong to the
   * sender, be complete, match the signed size and digest, and not be bound to another envelope.
   * Checked for all before any is written; binding the same envelope again (a redelivery) is a no-op.
   */
  async bind(req: AttachmentBindRequest): Promise<AttachmentBindReply> {
    const refs = (req.attachments ?? []).filter((a) => a.id !== undefined);
    if (refs.length > this.settings.maxPerEnvelope) {
      throw new LtError('ATTACHMENT_TOO_MANY', `envelope ${req.envelopeId} names ${refs.length} attachments; at most ${this.settings.maxPerEnvelope}`, {
        count: refs.length,
        limit: this.settings.maxPerEnvelope,
      });
    }
    const entries = await Promise.all(refs.map(async (ref) => ({ ref, entry: await this.index.get(ref.id!) })));
    for (const { ref, entry } of entries) {
      const rec = entry && entry.operation === 'PUT' ? (entry.json() as UploadRecord) : null;
      const name = ref.name;
      const details = { name, attachmentId: ref.id };
      if (!rec || rec.owner !== req.sender) throw new LtError('ATTACHMENT_NOT_FOUND', `attachment ${JSON.stringify(name)}: no upload ${ref.id} of ${req.sender}`, details);
      if (rec.state === 'uploading') throw new LtError('ATTACHMENT_INCOMPLETE', `attachment ${JSON.stringify(name)}: upload ${ref.id} is not complete`, details);
      if (rec.size !== ref.size) throw new LtError('ATTACHMENT_SIZE_MISMATCH', `attachment ${JSON.stringify(name)}: the envelope says ${ref.size} bytes, the upload has ${rec.size}`, details);
      if (rec.sha256 !== ref.sha256) throw new LtError('ATTACHMENT_DIGEST_MISMATCH', `attachment ${JSON.stringify(name)}: the envelope's SHA-256 is not the upload's`, details);
      if (rec.state === 'bound' && rec.envelopeId !== req.envelopeId) {
        throw new LtError('ATTACHMENT_IN_USE', `attachment ${JSON.stringify(name)}: upload ${ref.id} belongs to envelope ${rec.envelopeId}; upload it again for another envelope`, {
          ...details,
          envelopeId: rec.envelopeId,
        });
      }
    }
    const now = this.clock.now().getTime();
    let bound = 0;
    for (const { ref, entry } of entries) {
      const rec = entry!.json() as UploadRecord;
      if (rec.state === 'bound') continue;
      const next: UploadRecord = { ...rec, state: 'bound', envelopeId: req.envelopeId, recipients: [...new Set(req.recipients)], boundAtMs: now, touchedAtMs: now };
      try {
        await this.index.update(ref.id!, JSON.stringify(next), entry!.revision);
      } catch {
        // bound meanwhile by another envelope's routing: decide again from the record as it is now
        return this.bind(req);
      }
      bound++;
    }
    if (bound > 0) await this.index.put(envelopeKey(req.envelopeId), JSON.stringify({ ids: refs.map((r) => r.id!) }));
    return { bound };
  }

  // ---------------------------------------------------------------- download

  /** What `reader` may read: the sender, or an agency the envelope was delivered to. */
  async get(reader: string, id: string): Promise<AttachmentGetReply> {
    const rec = await this.readable(reader, id);
    return { id, size: rec.size!, sha256: rec.sha256!, chunkBytes: ATTACHMENT_CHUNK_BYTES };
  }

  /**
   * The chunk at `offset` (a multiple of the chunk size), read straight from the bucket's stream
   * (a direct get of the next message on the object's chunk subject): nothing is read ahead, so
   * a slow reader costs the service nothing. Sequential reads continue from a cursor.
   */
  read(reader: string, id: string, offset: number): Promise<Uint8Array> {
    // the reads of one reader and attachment run one after another, in arrival order, over one cursor
    const key = `${reader}|${id}`;
    const previous = this.readTails.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.readInOrder(key, reader, id, offset));
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.readTails.set(key, tail);
    void tail.then(() => {
      if (this.readTails.get(key) === tail) this.readTails.delete(key);
    });
    return run;
  }

  private async readInOrder(key: string, reader: string, id: string, offset: number): Promise<Uint8Array> {
    let cur = this.cursors.get(key);
    if (!cur || cur.nextOffset !== offset) {
      const rec = await this.readable(reader, id);
      if (!Number.isInteger(offset) || offset < 0 || offset % ATTACHMENT_CHUNK_BYTES !== 0 || offset > rec.size!) {
        throw new LtError('VALIDATION_FAILED', `attachment ${JSON.stringify(rec.name)}: offset ${offset} must be a multiple of ${ATTACHMENT_CHUNK_BYTES} within its size`, {
          field: 'offset',
        });
      }
      const info = await this.obj.info(id);
      if (!info || info.deleted) throw notFound(id);
      cur = { nuid: info.nuid, size: rec.size!, nextOffset: 0, afterSeq: 0, touchedAtMs: 0 };
      // seek: walk the chunks before offset (only a resumed download starts elsewhere than 0)
      while (cur.nextOffset < offset) {
        const m = await this.jsm.direct.getMessage(this.stream, { seq: cur.afterSeq + 1, next_by_subj: this.chunkSubjectPrefix + cur.nuid });
        if (!m) throw notFound(id);
        cur.afterSeq = m.seq;
        cur.nextOffset += m.data.byteLength;
      }
      this.cursors.set(key, cur);
    }
    cur.touchedAtMs = this.clock.now().getTime();
    const m = await this.jsm.direct.getMessage(this.stream, { seq: cur.afterSeq + 1, next_by_subj: this.chunkSubjectPrefix + cur.nuid });
    if (!m) {
      this.cursors.delete(key);
      return new Uint8Array(0);
    }
    cur.afterSeq = m.seq;
    cur.nextOffset += m.data.byteLength;
    if (cur.nextOffset >= cur.size) {
      this.cursors.delete(key);
      await this.markFetched(id, reader);
    }
    return m.data;
  }

  /** Remembers that `reader` read the attachment to its end (a recall then leaves it readable to it). */
  private async markFetched(id: string, reader: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const e = await this.index.get(id);
      if (!e || e.operation !== 'PUT') return;
      const rec = e.json() as UploadRecord;
      if (rec.owner === reader || rec.fetchedBy?.includes(reader)) return;
      try {
        await this.index.update(id, JSON.stringify({ ...rec, fetchedBy: [...(rec.fetchedBy ?? []), reader] }), e.revision);
        return;
      } catch {
        // changed meanwhile (another reader): read it again
      }
    }
  }

  /**
   * The sender recalls envelope `envelopeId`: every recipient (of `recipients`, default all) that
   * has not read an attachment to its end loses access to it. ATTACHMENT_NOT_FOUND when the
   * envelope names no upload of `owner`.
   */
  async revoke(owner: string, req: AttachmentRevokeRequest): Promise<AttachmentRevokeReply> {
    const envelopeId = String(req?.envelopeId ?? '');
    const entry = /^[0-9a-f-]{36}$/.test(envelopeId) ? await this.index.get(envelopeKey(envelopeId)) : null;
    const ids = entry && entry.operation === 'PUT' ? (entry.json() as { ids: string[] }).ids : [];
    const revoked = new Set<string>();
    let owned = 0;
    for (const id of ids) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const e = await this.index.get(id);
        if (!e || e.operation !== 'PUT') break;
        const rec = e.json() as UploadRecord;
        if (rec.owner !== owner || rec.envelopeId !== envelopeId) break;
        owned++;
        const cut = (rec.recipients ?? []).filter((r) => !rec.fetchedBy?.includes(r) && (req.recipients === undefined || req.recipients.includes(r)));
        if (cut.length === 0) break;
        const next: UploadRecord = { ...rec, recipients: rec.recipients!.filter((r) => !cut.includes(r)), revoked: [...new Set([...(rec.revoked ?? []), ...cut])] };
        try {
          await this.index.update(id, JSON.stringify(next), e.revision);
          for (const r of cut) revoked.add(r);
          for (const r of cut) this.cursors.delete(`${r}|${id}`);
          break;
        } catch {
          // changed meanwhile: read it again
        }
      }
    }
    if (owned === 0) throw new LtError('ATTACHMENT_NOT_FOUND', `envelope ${envelopeId.slice(0, 40)} names no attachment of ${owner}`, { envelopeId: envelopeId.slice(0, 40) });
    return { revoked: [...revoked] };
  }

  private async readable(reader: string, id: string): Promise<UploadRecord> {
    const rec = await this.record(id);
    if (!rec || rec.state === 'uploading') throw notFound(id);
    if (rec.owner === reader) return rec;
    if (rec.state !== 'bound' || !rec.recipients?.includes(reader)) throw notFound(id);
    return rec;
  }

  private async record(id: string): Promise<UploadRecord | null> {
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) return null;
    const e = await this.index.get(id);
    return e && e.operation === 'PUT' ? (e.json() as UploadRecord) : null;
  }

  // ---------------------------------------------------------------- life cycle

  /**
   * Removes uploads no envelope bound within the unbound TTL (also unfinished ones, from their
   * last chunk) and bound attachments past the retention (the inbox max age: their copies are
   * gone from the inbox stream). Returns how many it removed.
   */
  async sweep(now = this.clock.now().getTime()): Promise<number> {
    for (const [key, c] of this.cursors) if (now - c.touchedAtMs > CURSOR_IDLE_MS) this.cursors.delete(key);
    let removed = 0;
    const keys: string[] = [];
    for await (const k of await this.index.keys()) keys.push(k);
    for (const id of keys) {
      const up = this.active.get(id);
      const rec = up?.record ?? (await this.record(id));
      if (!rec) continue;
      const expired = rec.state === 'bound' ? now - (rec.boundAtMs ?? rec.touchedAtMs) > this.settings.retentionMs : now - rec.touchedAtMs > this.settings.unboundTtlMs;
      if (!expired) continue;
      if (up) await this.discard(up, new LtError('ATTACHMENT_NOT_FOUND', `upload ${id} expired`));
      else {
        await this.removeStored(id);
        await this.index.purge(id);
        if (rec.envelopeId) await this.index.purge(envelopeKey(rec.envelopeId)).catch(() => undefined);
      }
      removed++;
      this.log.info({ attachmentId: id, owner: rec.owner, state: rec.state, envelopeId: rec.envelopeId }, 'attachment removed');
    }
    return removed;
  }

  /** Uploads in progress are dropped (their senders resume from 0 against the next process). */
  close(): void {
    for (const up of this.active.values()) up.pipe.abort(new LtError('UNAVAILABLE', 'attachments service stopping'));
    this.active.clear();
  }
}

/** Index key listing the uploads an envelope names (for a recall). */
function envelopeKey(envelopeId: string): string {
  return `env.${envelopeId}`;
}

function notFound(id: string): LtError {
  return new LtError('ATTACHMENT_NOT_FOUND', `no attachment ${JSON.stringify(String(id)).slice(0, 60)} for this agency`, { attachmentId: String(id).slice(0, 60) });
}

function tooLarge(name: string, limit: number, id?: string): LtError {
  return new LtError('ATTACHMENT_TOO_LARGE', `attachment ${JSON.stringify(name)}: larger than the hub's limit of ${limit} bytes`, {
    name,
    limit,
    ...(id ? { attachmentId: id } : {}),
  });
}

function refOf(rec: UploadRecord): AttachmentCompleteReply {
  return { id: rec.id, name: rec.name, mediaType: rec.mediaType, size: rec.size!, sha256: rec.sha256! };
}

/** The same rules as the envelope's attachment list (name, media type, digest), plus the hub's limits. */
function checkDeclared(r: Partial<AttachmentOpenRequest>, s: AttachmentSettings): void {
  const name = typeof r.name === 'string' ? r.name : '';
  try {
    validateAttachments([{ name: r.name, mediaType: r.mediaType, size: r.size ?? 0, sha256: r.sha256 ?? '0'.repeat(64) }]);
  } catch (e) {
    const lt = e as LtError;
    const field = String(lt.details?.field ?? '');
    if (field.endsWith('.name')) throw new LtError('ATTACHMENT_NAME_INVALID', `attachment name ${JSON.stringify(name)}: ${lt.message}`, { ...lt.details, name });
    throw lt;
  }
  if (r.size !== undefined && r.size > s.maxBytes) throw tooLarge(name, s.maxBytes);
  if (r.count !== undefined && (!Number.isInteger(r.count) || r.count > s.maxPerEnvelope)) {
    throw new LtError('ATTACHMENT_TOO_MANY', `an envelope may carry at most ${s.maxPerEnvelope} attachments, this one declares ${r.count}`, {
      name,
      count: r.count,
      limit: s.maxPerEnvelope,
    });
  }
}

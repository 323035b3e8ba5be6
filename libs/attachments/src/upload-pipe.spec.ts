import { UploadPipe } from './upload-pipe';
import { loadAttachmentSettings } from './settings';

describe('UploadPipe', () => {
  it('hands chunks to the reader in order and settles each push only once the reader took it', async () => {
    const pipe = new UploadPipe();
    const reader = pipe.stream.getReader();
    let taken = 0;
    const first = pipe.push(new Uint8Array([1])).then(() => taken++);
    const second = pipe.push(new Uint8Array([2])).then(() => taken++);
    await new Promise((r) => setTimeout(r, 10));
    expect(taken).toBe(0); // nothing read yet: nothing buffered ahead of the reader
    expect((await reader.read()).value).toEqual(new Uint8Array([1]));
    await first;
    expect(taken).toBe(1);
    expect((await reader.read()).value).toEqual(new Uint8Array([2]));
    await second;
    pipe.end();
    expect((await reader.read()).done).toBe(true);
  });

  it('abort fails the reader and releases pending pushes', async () => {
    const pipe = new UploadPipe();
    const reader = pipe.stream.getReader();
    const pending = pipe.push(new Uint8Array([1]));
    pipe.abort(new Error('too large'));
    await pending;
    await expect(reader.read()).rejects.toThrow('too large');
  });
});

describe('loadAttachmentSettings', () => {
  it('defaults to 2 GiB, 100 per envelope, 24 h unbound, the inbox max age', () => {
    expect(loadAttachmentSettings({})).toEqual({ maxBytes: 2 * 1024 ** 3, maxPerEnvelope: 100, unboundTtlMs: 86_400_000, retentionMs: 30 * 86_400_000, sweepIntervalMs: 300_000, replicas: 1 });
  });

  it('refuses a per-envelope count over the envelope limit', () => {
    expect(() => loadAttachmentSettings({ LT_ATTACHMENT_MAX_PER_ENVELOPE: '101' })).toThrow(/LT_ATTACHMENT_MAX_PER_ENVELOPE/);
  });
});

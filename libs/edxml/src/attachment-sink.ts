import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AttachmentSink, AttachmentWriter } from './types';

/** Writes each attachment to its own file in `dir` (named by a random id), hashing as it goes. */
export function fileAttachmentSink(dir: string = tmpdir()): AttachmentSink {
  return {
    open(): AttachmentWriter {
      const path = join(dir, `edxml-${randomUUID()}.bin`);
      const out = createWriteStream(path, { flags: 'wx' });
      const hash = createHash('sha256');
      let size = 0;
      let failure: Error | undefined;
      out.on('error', (e) => (failure = e));
      return {
        async write(chunk) {
          if (failure) throw failure;
          hash.update(chunk);
          size += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
        },
        async end() {
          if (failure) throw failure;
          out.end();
          await once(out, 'finish');
          return { size, sha256: hash.digest('hex'), path };
        },
        async abort() {
          out.destroy();
          await rm(path, { force: true });
        },
      };
    },
  };
}

/** Counts and hashes, keeps nothing (validation, tests). */
export function hashingAttachmentSink(): AttachmentSink {
  return {
    open(): AttachmentWriter {
      const hash = createHash('sha256');
      let size = 0;
      return {
        write(chunk) {
          hash.update(chunk);
          size += chunk.length;
        },
        end: async () => ({ size, sha256: hash.digest('hex') }),
        abort: async () => undefined,
      };
    },
  };
}

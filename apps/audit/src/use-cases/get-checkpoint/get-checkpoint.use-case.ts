import { Inject, Injectable } from '@nestjs/common';
import { LtError, type CheckpointResponse } from '@lt/contracts';
import { encodeHash } from '@lt/tlog';
import type { LogKeys } from '../../checkpoint/log-keys';
import { LOG_KEYS } from '../../audit.tokens';
import { SignedCheckpoints } from '../shared/signed-checkpoints';

/** GET /v1/audit/checkpoint: the latest signed checkpoint with the key that verifies it (never signs one: the writer's timer does). */
@Injectable()
export class GetCheckpointUseCase {
  constructor(
    private readonly checkpoints: SignedCheckpoints,
    @Inject(LOG_KEYS) private readonly keys: LogKeys,
  ) {}

  async execute(): Promise<CheckpointResponse> {
    const cp = await this.checkpoints.latest();
    if (!cp) throw new LtError('NOT_FOUND', 'the audit log has no signed checkpoint yet; the writer signs the first one within the checkpoint interval', {});
    return {
      origin: this.keys.origin,
      treeSize: cp.treeSize,
      rootHash: encodeHash(cp.rootHash),
      checkpoint: cp.note,
      vkey: this.keys.vkey,
      vkeys: this.keys.vkeys,
      hubKeyId: this.keys.hubKeyId,
      createdAt: cp.createdAt,
    };
  }
}

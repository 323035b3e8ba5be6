import { LtError, type ConsistencyProofResponse, type InclusionProofResponse, type ReceiptBody, type ReceiptItem } from '@lt/contracts';
import { checkRecord, checkTree, decodeHash, openCheckpoint, parseVerifierKey, type Checkpoint } from '@lt/tlog';
import { entryLeafHash, type LogEntry } from './canonical-entry';

/*
 * Offline checks a verifier runs with nothing but the log's verifier key (vkey): no database,
 * no trust in the hub beyond its signature. Each throws LtError VALIDATION_FAILED / BAD_SIGNATURE
 * naming what does not hold.
 */

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new LtError('VALIDATION_FAILED', message, details);
}

/** The log's verifier key, or all of them after a rotation (active and retired; all of one origin). */
export type LogVerifierKeys = string | readonly string[];

export function openSignedCheckpoint(note: string | null, vkey: LogVerifierKeys, field: string): Checkpoint {
  if (!note) fail(`${field}: no signed checkpoint was given`, { field });
  const verifiers = (typeof vkey === 'string' ? [vkey] : vkey).map((v) => parseVerifierKey(v));
  if (verifiers.length === 0) fail(`${field}: no verifier key was given`, { field });
  return openCheckpoint(note, { origin: verifiers[0]!.name, verifiers }).checkpoint;
}

/** The entry is at `seq` in the tree signed by the checkpoint of `treeSize`. */
export function verifyInclusionProof(resp: InclusionProofResponse, vkey: LogVerifierKeys): Checkpoint {
  const cp = openSignedCheckpoint(resp.checkpoint, vkey, 'checkpoint');
  if (cp.treeSize !== resp.treeSize) fail(`checkpoint signs tree size ${cp.treeSize}, proof is for ${resp.treeSize}`, { field: 'treeSize' });
  const leaf = decodeHash(resp.leafHash, 'leafHash');
  if (resp.entry) {
    if (resp.entry.seq !== resp.seq) fail(`entry is seq ${resp.entry.seq}, proof is for seq ${resp.seq}`, { field: 'entry.seq' });
    if (!entryLeafHash(resp.entry as LogEntry).equals(leaf)) fail(`entry ${resp.seq} does not hash to leaf hash ${resp.leafHash}`, { field: 'entry' });
  }
  checkRecord(
    resp.proof.map((h, i) => decodeHash(h, `proof[${i}]`)),
    resp.treeSize,
    cp.rootHash,
    resp.seq,
    leaf,
  );
  return cp;
}

/** The tree signed at `to` extends the tree signed at `from` (the log was not rewritten in between). */
export function verifyConsistencyProof(resp: ConsistencyProofResponse, vkey: LogVerifierKeys): void {
  const older = openSignedCheckpoint(resp.fromCheckpoint, vkey, 'fromCheckpoint');
  const newer = openSignedCheckpoint(resp.toCheckpoint, vkey, 'toCheckpoint');
  if (older.treeSize !== resp.from || newer.treeSize !== resp.to)
    fail(`checkpoints sign sizes ${older.treeSize} and ${newer.treeSize}, proof is for ${resp.from} and ${resp.to}`, { field: 'from' });
  checkTree(
    resp.proof.map((h, i) => decodeHash(h, `proof[${i}]`)),
    resp.to,
    newer.rootHash,
    resp.from,
    older.rootHash,
  );
}

/**
 * One item of a hub receipt plus an inclusion proof against a later checkpoint: the item's entry
 * is in the log the hub signed then (the receipt's checkpoint), and (with the consistency proof
 * from the receipt's checkpoint to the later one) the later log still contains it. `item` is the
 * item itself or its index in `receipt.items`. The receipt's own JWS signature is checked by the
 * SDK on arrival (hub key in KV); this checks what it claims.
 */
export function verifyReceipt(
  receipt: ReceiptBody,
  item: ReceiptItem | number,
  inclusion: InclusionProofResponse,
  vkey: string,
  consistency?: ConsistencyProofResponse,
): void {
  const it = typeof item === 'number' ? receipt.items[item] : item;
  if (!it) fail(`receipt has no item ${item} (it lists ${receipt.items.length})`, { field: 'item' });
  if (!receipt.items.some((x) => sameItem(x, it))) fail(`receipt does not list the item for seq ${it.seq}`, { field: 'item' });
  const receiptCp = openSignedCheckpoint(receipt.checkpoint, vkey, 'receipt.checkpoint');
  if (receiptCp.treeSize <= it.seq) fail(`receipt checkpoint (tree size ${receiptCp.treeSize}) does not cover seq ${it.seq}`, { field: 'receipt.checkpoint' });
  if (inclusion.seq !== it.seq) fail(`proof is for seq ${inclusion.seq}, receipt item for seq ${it.seq}`, { field: 'seq' });
  if (inclusion.leafHash !== it.leafHash) fail(`receipt leaf hash ${it.leafHash} differs from the logged ${inclusion.leafHash}`, { field: 'leafHash' });
  const later = verifyInclusionProof(inclusion, vkey);
  if (later.treeSize < receiptCp.treeSize)
    fail(`the proof's checkpoint (${later.treeSize}) is older than the receipt's (${receiptCp.treeSize})`, { field: 'treeSize' });
  if (inclusion.entry) {
    if (inclusion.entry.messageId !== it.messageId)
      fail(`logged entry is about ${inclusion.entry.messageId}, receipt item about ${it.messageId}`, { field: 'messageId' });
    if (!inclusion.entry.agencies.includes(it.recipient)) fail(`logged entry does not concern ${it.recipient}`, { field: 'recipient' });
  }
  if (later.treeSize > receiptCp.treeSize) {
    if (!consistency) fail('a consistency proof from the receipt checkpoint to the later one is needed', { field: 'consistency' });
    if (consistency.from !== receiptCp.treeSize || consistency.to !== later.treeSize) {
      fail(`consistency proof covers ${consistency.from}..${consistency.to}, need ${receiptCp.treeSize}..${later.treeSize}`, { field: 'consistency' });
    }
    verifyConsistencyProof(consistency, vkey);
    // the proof must join these very two checkpoints: the receipt's and the one the entry is proved in
    if (!openSignedCheckpoint(consistency.fromCheckpoint, vkey, 'fromCheckpoint').rootHash.equals(receiptCp.rootHash)) {
      fail('the receipt checkpoint is not the one the consistency proof starts from (a forked log)', { field: 'consistency' });
    }
    if (!openSignedCheckpoint(consistency.toCheckpoint, vkey, 'toCheckpoint').rootHash.equals(later.rootHash)) {
      fail("the consistency proof does not end at the inclusion proof's checkpoint (a forked log)", { field: 'consistency' });
    }
  } else if (!later.rootHash.equals(receiptCp.rootHash)) {
    fail(`the receipt checkpoint and the inclusion proof's sign different trees of size ${later.treeSize} (a forked log)`, { field: 'checkpoint' });
  }
}

function sameItem(a: ReceiptItem, b: ReceiptItem): boolean {
  return a.seq === b.seq && a.leafHash === b.leafHash && a.messageId === b.messageId && a.recipient === b.recipient && a.event === b.event && a.at === b.at;
}

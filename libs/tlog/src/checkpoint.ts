import { LtError } from '@lt/contracts';
import { assertHash, decodeHash, encodeHash } from './hash';
import { NoteSigner, NoteVerifier, OpenedNote, isValidNoteKeyName, openNote, signNote } from './note';

/*
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed-note text
 *
 *   <origin>\n
 *   <tree size, decimal>\n
 *   <base64 root hash>\n
 *   [<extension line>\n ...]
 */

export interface Checkpoint {
  /** Unique identity of the log, conventionally a schema-less URL; also the signing key's name. */
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** Optional non-empty extra lines (the spec does not recommend them). */
  extensions?: readonly string[];
}

function malformed(message: string, details?: Record<string, unknown>): LtError {
  return new LtError('VALIDATION_FAILED', message, { field: 'checkpoint', ...details });
}

 
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

function lineProblem(line: string): string | null {
  if (line === '') return 'is empty';
  if (CONTROL.test(line)) return 'contains a control character';
  if (LONE_SURROGATE.test(line)) return 'is not valid UTF-8';
  return null;
}

/**
 * Checkpoint text to sign. We only produce origins that are also valid note key names (no white
 * space, no '+'), as the spec recommends, so the log key can be named after its origin.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, treeSize, rootHash, extensions = [] } = checkpoint;
  if (typeof origin !== 'string' || lineProblem(origin) || !isValidNoteKeyName(origin)) {
    throw malformed('checkpoint origin must be a non-empty line without white space or "+"', { field: 'origin', value: origin });
  }
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw malformed('checkpoint treeSize must be a non-negative safe integer', { field: 'treeSize', value: treeSize });
  }
  assertHash(rootHash, 'rootHash');
  extensions.forEach((line, i) => {
    const problem = typeof line === 'string' ? lineProblem(line) : 'is not a string';
    if (problem) throw malformed(`checkpoint extension line ${i} ${problem}`, { field: `extensions[${i}]` });
  });
  return [origin, String(treeSize), encodeHash(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/** Strict parser of checkpoint text (the text of an opened note, not the signed note itself). */
export function parseCheckpoint(text: string): Checkpoint & { extensions: string[] } {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw malformed('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed(`checkpoint needs at least 3 lines, got ${lines.length}`);
  lines.forEach((line, i) => {
    const problem = lineProblem(line);
    if (problem) throw malformed(`checkpoint line ${i + 1} ${problem}`, { line: i + 1 });
  });
  const [origin, size, root, ...extensions] = lines;
  if (!DECIMAL.test(size)) throw malformed('checkpoint tree size must be decimal without leading zeros', { field: 'treeSize', value: size });
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw malformed('checkpoint tree size is too large', { field: 'treeSize', value: size });
  const rootHash = decodeHash(root, 'checkpoint root hash');
  return { origin, treeSize, rootHash, extensions };
}

/** Formats and signs a checkpoint as a signed note. */
export function signCheckpoint(checkpoint: Checkpoint, signers: NoteSigner | readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/**
 * Opens a signed checkpoint: verifies the note with the trusted verifiers, parses the text and checks
 * that it comes from the expected log.
 */
export function openCheckpoint(
  signedNote: string | Uint8Array,
  options: { origin: string; verifiers: readonly NoteVerifier[] },
): { checkpoint: Checkpoint & { extensions: string[] }; note: OpenedNote } {
  const note = openNote(signedNote, options.verifiers);
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== options.origin) {
    throw malformed(`checkpoint origin ${JSON.stringify(checkpoint.origin)} is not ${JSON.stringify(options.origin)}`, {
      field: 'origin',
      value: checkpoint.origin,
    });
  }
  return { checkpoint, note };
}

/** When to cut the next checkpoint: after maxEntries new entries or maxIntervalMs, whichever comes first. */
export interface CheckpointPolicy {
  maxEntries: number;
  maxIntervalMs: number;
}

/** True when entries were appended since the last checkpoint and either limit is reached. */
export function isCheckpointDue(
  state: { entriesSinceCheckpoint: number; msSinceCheckpoint: number },
  policy: CheckpointPolicy,
): boolean {
  if (state.entriesSinceCheckpoint <= 0) return false;
  return state.entriesSinceCheckpoint >= policy.maxEntries || state.msSinceCheckpoint >= policy.maxIntervalMs;
}

import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nkeyAuthenticator } from '@nats-io/nats-core';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { LtError } from '@lt/contracts';
import { agencyInboxPrefix } from './agency-permissions';

/**
 * NATS user identities are nkeys (Ed25519): the server config holds only the public key
 * (`U...`), the client proves possession of the seed (`SU...`) by signing the server's nonce.
 * No shared secret sits in the config file.
 *
 * Keys are made with node:crypto and encoded here (nkey = base32(prefix | key | crc16)): the
 * pure-JS `nkeys` package takes about 8 ms per key pair, 100 s for 12,000 agencies.
 */
export interface UserNkey {
  /** private seed, `SU...`; goes to the agency only (file mode 0600) */
  seed: string;
  /** public key, `U...`; goes into the server config */
  publicKey: string;
}

const PREFIX_USER = 20 << 3; // 'U'
const PREFIX_SEED = 18 << 3; // 'S'
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function createUserNkey(): UserNkey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { seed: encodeSeed(d), publicKey: encodePublic(x) };
}

/** Public key of a user seed; throws a coded error if the text is not a valid user seed. */
export function publicKeyFromSeed(seed: string): string {
  const raw = decodeChecked(seed.trim(), 'seed');
  // two prefix bytes: 'S' kind and 'U' role, packed so that both print as letters
  const kind = raw[0]! & 0xf8;
  const role = ((raw[0]! & 0x07) << 5) | ((raw[1]! & 0xf8) >> 3);
  if (kind !== PREFIX_SEED || role !== PREFIX_USER || raw.length !== 34) {
    throw new LtError('VALIDATION_FAILED', `not a NATS user nkey seed (expected "SU..." of 58 characters)`, { field: 'seed' });
  }
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw.subarray(2)]), format: 'der', type: 'pkcs8' });
  return encodePublic(Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url'));
}

/** Reads a seed file written by `lienthong nats config` (the seed on the first line starting with "SU"). */
export function readSeedFile(path: string): UserNkey {
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('SU'));
  if (!line) throw new LtError('VALIDATION_FAILED', `${path} holds no NATS user seed (a line starting with "SU")`, { path });
  return { seed: line, publicKey: publicKeyFromSeed(line) };
}

/**
 * Connection options an agency client needs under `agencyPermissions`: nkey authentication
 * and its own reply prefix (without it, every request's reply subscription is refused).
 */
export function agencyConnectionOptions(agencyCode: string, seed: string): Partial<NodeConnectionOptions> {
  publicKeyFromSeed(seed);
  return {
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seed.trim())),
    inboxPrefix: agencyInboxPrefix(agencyCode),
    name: `agency ${agencyCode}`,
  };
}

/** Connection options of a hub service holding a user seed (services keep the default `_INBOX`). */
export function serviceConnectionOptions(seed: string): Partial<NodeConnectionOptions> {
  publicKeyFromSeed(seed);
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed.trim())) };
}

function encodePublic(key: Buffer): string {
  return base32(withCrc(Buffer.concat([Buffer.from([PREFIX_USER]), key])));
}

function encodeSeed(seed: Buffer): string {
  const prefix = Buffer.from([PREFIX_SEED | (PREFIX_USER >> 5), (PREFIX_USER & 31) << 3]);
  return base32(withCrc(Buffer.concat([prefix, seed])));
}

function withCrc(payload: Buffer): Buffer {
  const out = Buffer.alloc(payload.length + 2);
  payload.copy(out);
  out.writeUInt16LE(crc16(payload), payload.length);
  return out;
}

function decodeChecked(text: string, field: string): Buffer {
  const bad = (why: string) => new LtError('VALIDATION_FAILED', `invalid NATS nkey ${field}: ${why}`, { field });
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of text) {
    const v = B32.indexOf(ch);
    if (v < 0) throw bad(`character "${ch}" is not base32`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bytes.length < 4) throw bad('too short');
  const raw = Buffer.from(bytes);
  const payload = raw.subarray(0, raw.length - 2);
  if (crc16(payload) !== raw.readUInt16LE(raw.length - 2)) throw bad('checksum mismatch');
  return payload;
}

function base32(src: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of src) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** CRC-16/XMODEM (polynomial 0x1021, initial 0), as nkeys use. */
function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

import { hash } from 'node:crypto';
import { LtError } from '@lt/contracts';

/** Lowercase hex SHA-256 of bytes (strings are hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  // one-shot: no Hash object per call (the router hashes every submission, the SDK every copy)
  return hash('sha256', data, 'hex');
}

/**
 * Canonical JSON in the style of RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as ECMAScript JSON.stringify writes them (which is what JCS
 * specifies). Used to hash bodies so that key order and spacing never change a digest.
 * Refuses what JSON cannot carry faithfully (non-finite numbers, bigint, functions, symbols,
 * cycles, undefined inside arrays); undefined object members are omitted as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', new Set(), out);
  return out.join('');
}

function refuse(path: string, what: string): never {
  throw new LtError('VALIDATION_FAILED', `cannot canonicalise ${path}: ${what}`, { field: path });
}

function write(value: unknown, path: string, stack: Set<object>, out: string[]): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `non-finite number ${value}`);
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      refuse(path, `${typeof value} is not JSON`);
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (stack.has(value)) refuse(path, 'cyclic reference');
  stack.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      if (value[i] === undefined) refuse(`${path}[${i}]`, 'undefined inside an array');
      write(value[i], `${path}[${i}]`, stack, out);
    }
    out.push(']');
  } else {
    const obj = value as Record<string, unknown>;
    // default sort compares UTF-16 code units, exactly the order RFC 8785 requires
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    out.push('{');
    keys.forEach((k, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(k), ':');
      write(obj[k], `${path}.${k}`, stack, out);
    });
    out.push('}');
  }
  stack.delete(value);
}

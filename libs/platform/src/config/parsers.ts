import { existsSync, statSync } from 'node:fs';
import { ENVELOPE_KINDS, tryParseAgencyCode, type EnvelopeKind } from '@lt/contracts';
import { isValidNoteKeyName } from '@lt/tlog';
import { ConfigError, type Env } from './config-error';

/**
 * Turns the raw text of one variable into its value, or throws ConfigError naming the variable.
 * `accepts` says in a few words what a valid value looks like (the Accepts column of
 * docs/configuration.md).
 */
export interface Parser<T> {
  readonly accepts: string;
  parse(raw: string, name: string): T;
}

const got = (raw: string) => `(got ${JSON.stringify(raw)})`;

export function integer(min: number, max: number): Parser<number> {
  return {
    accepts: `integer ${min} to ${max}`,
    parse(raw, name) {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} ${got(raw)}`);
      return n;
    },
  };
}

/** Any text, kept as written. */
export const text: Parser<string> = { accepts: 'text', parse: (raw) => raw };

/** Any text; empty (the default) reads as "not set". */
export function optionalText(accepts = 'text'): Parser<string | undefined> {
  return { accepts, parse: (raw) => (raw === '' ? undefined : raw) };
}

/** One URL or several separated by commas (the servers of a cluster: the client tries each), all of the given schemes. */
export function urlList(...schemes: string[]): Parser<string> {
  const one = url(...schemes);
  return {
    accepts: `${schemes.join(', ')} URL, or several separated by commas`,
    parse(raw, name) {
      for (const part of raw.split(',')) one.parse(part.trim(), name);
      return raw;
    },
  };
}

export function url(...schemes: string[]): Parser<string> {
  return {
    accepts: `${schemes.join(', ')} URL`,
    parse(raw, name) {
      let protocol: string;
      try {
        protocol = new URL(raw).protocol.replace(':', '');
      } catch {
        throw new ConfigError(name, `is not a URL ${got(raw)}`);
      }
      if (!schemes.includes(protocol)) throw new ConfigError(name, `must be a ${schemes.join(' or ')} URL ${got(raw)}`);
      return raw;
    },
  };
}

/** A URL when set; empty (the default) reads as "not set". */
export function optionalUrl(...schemes: string[]): Parser<string | undefined> {
  const inner = url(...schemes);
  return { accepts: inner.accepts, parse: (raw, name) => (raw === '' ? undefined : inner.parse(raw, name)) };
}

export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return {
    accepts: values.join(', '),
    parse(raw, name) {
      if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${values.join(', ')} ${got(raw)}`);
      return raw as V;
    },
  };
}

export function matching(pattern: RegExp, accepts: string, problem: string): Parser<string> {
  return {
    accepts,
    parse(raw, name) {
      if (!pattern.test(raw)) throw new ConfigError(name, `${problem} ${got(raw)}`);
      return raw;
    },
  };
}

/** on/off switch; true/false and 1/0 are read too. */
export const onOff: Parser<boolean> = {
  accepts: 'on, off (or true, false, 1, 0)',
  parse(raw, name) {
    const v = raw.toLowerCase();
    if (['on', 'true', '1'].includes(v)) return true;
    if (['off', 'false', '0'].includes(v)) return false;
    throw new ConfigError(name, `must be on or off ${got(raw)}`);
  },
};

/** An agency code (libs/contracts agency-code rules). */
export const agencyCode: Parser<string> = {
  accepts: 'agency code DDD.CC.BB.AXX',
  parse(raw, name) {
    const parsed = tryParseAgencyCode(raw);
    if (!parsed.ok) throw new ConfigError(name, `must be an agency code DDD.CC.BB.AXX: ${parsed.error.message} ${got(raw)}`);
    return parsed.code;
  },
};

/** A signed-note key name (libs/tlog): the audit log's identity. */
export const noteKeyName: Parser<string> = {
  accepts: 'text without white space or "+"',
  parse(raw, name) {
    if (!isValidNoteKeyName(raw)) throw new ConfigError(name, `must be non-empty, without white space or "+" ${got(raw)}`);
    return raw;
  },
};

/** Comma-separated envelope kinds (libs/contracts ENVELOPE_KINDS). */
export const envelopeKinds: Parser<EnvelopeKind[]> = {
  accepts: `comma-separated kinds: ${ENVELOPE_KINDS.join(', ')}`,
  parse(raw, name) {
    const kinds = raw
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const unknown = kinds.filter((k) => !(ENVELOPE_KINDS as readonly string[]).includes(k));
    if (unknown.length) throw new ConfigError(name, `unknown kinds ${unknown.join(', ')}; use ${ENVELOPE_KINDS.join(', ')}`);
    return kinds as EnvelopeKind[];
  },
};

export function existingPath(what: 'folder' | 'file'): Parser<string> {
  return {
    accepts: `path of an existing ${what}`,
    parse(raw, name) {
      const found = existsSync(raw) && (what === 'folder' ? statSync(raw).isDirectory() : statSync(raw).isFile());
      if (!found) throw new ConfigError(name, `${what} ${raw} does not exist`);
      return raw;
    },
  };
}

/**
 * Integer setting `name`: `fallback` when unset or empty, else an integer in [min, max]; anything
 * else throws ConfigError naming the variable. For settings outside the schema (benchmarks, tools).
 */
export function envInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : integer(min, max).parse(raw, name);
}

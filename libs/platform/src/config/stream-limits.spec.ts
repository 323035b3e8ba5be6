import { ConfigError, loadStreamLimits } from './index';

const MIB = 1024 * 1024;
const DAY = 86_400_000;

describe('loadStreamLimits', () => {
  it('has the defaults of the schema: no age limit on the submit stream, a backlog cap per agency', () => {
    expect(loadStreamLimits({})).toEqual({
      submit: { maxBytes: 1024 * MIB, maxAgeMs: 0, maxMsgsPerSubject: 20_000 },
      inbox: { maxBytes: 8192 * MIB, maxAgeMs: 30 * DAY },
      events: { maxBytes: 1024 * MIB, maxAgeMs: 30 * DAY },
      deadLetter: { maxBytes: 256 * MIB, maxAgeMs: 90 * DAY },
    });
  });

  it('reads set values, the inbox age from LT_INBOX_MAX_AGE_DAYS', () => {
    const l = loadStreamLimits({ LT_SUBMIT_MAX_MB: '2', LT_SUBMIT_MAX_PENDING_PER_AGENCY: '0', LT_INBOX_MAX_AGE_DAYS: '7', LT_DLQ_MAX_AGE_DAYS: '1' });
    expect(l.submit).toEqual({ maxBytes: 2 * MIB, maxAgeMs: 0, maxMsgsPerSubject: 0 });
    expect(l.inbox.maxAgeMs).toBe(7 * DAY);
    expect(l.deadLetter.maxAgeMs).toBe(DAY);
  });

  it.each([
    ['LT_INBOX_MAX_MB', '0'],
    ['LT_SUBMIT_MAX_MB', '1.5'],
    ['LT_SUBMIT_MAX_AGE_DAYS', '-1'],
    ['LT_EVENTS_MAX_AGE_DAYS', '0'],
    ['LT_SUBMIT_MAX_PENDING_PER_AGENCY', 'many'],
  ])('a wrong %s=%j names the variable', (name, value) => {
    expect(() => loadStreamLimits({ [name]: value })).toThrow(ConfigError);
    expect(() => loadStreamLimits({ [name]: value })).toThrow(new RegExp(name));
  });
});

import { prettyLine } from './supervisor';

describe('prettyLine', () => {
  it('turns a pino JSON line into time, level, message and fields', () => {
    const line = JSON.stringify({ level: 30, time: '2026-11-23T15:00:01.234Z', service: 'router', msg: 'routed', messageId: 'abc', copies: 3 });
    expect(prettyLine(line)).toBe('15:00:01.234 INFO  routed  messageId=abc copies=3');
  });
  it('leaves other lines alone', () => {
    expect(prettyLine('plain text')).toBe('plain text');
    expect(prettyLine('{not json')).toBe('{not json');
  });
});

import { LtError, uuidv7, type Envelope } from '@lt/contracts';
import type { InboxMessage } from '@lt/sdk';
import { documentBodyFromOptions, formatInboxLine, recipientsFromOptions, statusCodeOption } from './messaging';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return (e as LtError).code;
  }
  throw new Error('expected an LtError');
}

describe('send options', () => {
  it('turns --to and --children-of/--tier/--depth into recipient selectors', () => {
    expect(recipientsFromOptions({ to: ['000.00.05.H41', '000.00.07.H41'] })).toEqual(['000.00.05.H41', '000.00.07.H41']);
    expect(recipientsFromOptions({ childrenOf: '000.00.05.H41', tier: 'commune', depth: '2' })).toEqual([
      { childrenOf: '000.00.05.H41', tier: 'commune', depth: 2 },
    ]);
    expect(code(() => recipientsFromOptions({}))).toBe('VALIDATION_FAILED');
    expect(code(() => recipientsFromOptions({ to: ['000.00.05.H41'], tier: 'commune' }))).toBe('VALIDATION_FAILED');
    expect(code(() => recipientsFromOptions({ childrenOf: '000.00.05.H41', tier: 'village' }))).toBe('VALIDATION_FAILED');
  });

  it('builds the document body, with a default số from the clock and a checked priority', () => {
    const body = documentBodyFromOptions({ subject: 'Họp', notation: 'UBND-VP', priority: '2', due: '2026-12-01' }, new Date(1_700_000_123_000));
    expect(body).toEqual({ code: { codeNumber: '123', codeNotation: 'UBND-VP' }, subject: 'Họp', dueDate: '2026-12-01', otherInfo: { priority: 2 } });
    expect(code(() => documentBodyFromOptions({ subject: 'x', notation: 'LT', priority: '5' }))).toBe('VALIDATION_FAILED');
  });

  it('accepts status codes with or without the leading zero, and sends recalls to `recall`', () => {
    expect(statusCodeOption('3')).toBe('03');
    expect(statusCodeOption('15')).toBe('15');
    expect(code(() => statusCodeOption('07'))).toBe('VALIDATION_FAILED');
    expect(code(() => statusCodeOption('13'))).toBe('VALIDATION_FAILED');
  });
});

describe('inbox lines', () => {
  const base = { seq: 7, deliveryCount: 1, redelivered: false, flags: [], hubSigned: false, from: '000.00.00.H41' };
  it('summarises documents, statuses and recalls on one line', () => {
    const id = uuidv7();
    const docEnv = { id, kind: 'document', body: { code: { codeNumber: '12', codeNotation: 'UBND' }, subject: 'Họp giao ban' } } as unknown as Envelope;
    expect(
      formatInboxLine({
        ...base,
        id,
        kind: 'document',
        envelope: docEnv,
        flags: ['duplicate-number'],
        forwardedFrom: '000.00.07.H41',
      } as unknown as InboxMessage),
    ).toBe(`#7 document ${id} from 000.00.00.H41 (addressed to 000.00.07.H41)  12/UBND "Họp giao ban" [duplicate-number]`);
    const st = {
      id,
      kind: 'status',
      body: { responseFor: 'd1', statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: 'no such agency' },
    } as unknown as Envelope;
    expect(
      formatInboxLine({ ...base, id, kind: 'status', envelope: st, hubSigned: true, redelivered: true, deliveryCount: 3 } as unknown as InboxMessage),
    ).toBe(`#7 status   ${id} from hub  status 02 for d1 UNKNOWN_RECIPIENT: no such agency (delivery 3)`);
    const rc = { id, kind: 'recall', body: { responseFor: 'd1', reason: 'sai' } } as unknown as Envelope;
    expect(formatInboxLine({ ...base, id, kind: 'recall', envelope: rc } as unknown as InboxMessage)).toContain('recall of d1: sai');
  });

  it('escapes what the sender wrote: no terminal escapes, no bidi reordering, no second line', () => {
    const id = uuidv7();
    const subject = 'Họp\u001b[2J\u001b]0;title\u0007 ok\nerror FORBIDDEN: fake \u202Efdp.exe';
    const env = { id, kind: 'document', body: { code: { codeNumber: '1', codeNotation: 'X\r' }, subject } } as unknown as Envelope;
    const line = formatInboxLine({ ...base, id, kind: 'document', envelope: env } as unknown as InboxMessage);
    expect(line).toBe(`#7 document ${id} from 000.00.00.H41  1/X\\r "Họp\\x1b[2J\\x1b]0;title\\x07 ok\\nerror FORBIDDEN: fake \\u202efdp.exe"`);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});

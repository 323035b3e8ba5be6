import { LtError } from '@lt/contracts';
import { optionalSeq, requiredSeq, UNSET_IN_BODY } from './seq-params';

describe('seq params', () => {
  it('reads a non-negative integer; undefined, null and (in a query) an empty string are not given', () => {
    expect(optionalSeq(0, 'fromSeq')).toBe(0);
    expect(optionalSeq(42, 'fromSeq')).toBe(42);
    expect(optionalSeq(undefined, 'fromSeq')).toBeUndefined();
    expect(optionalSeq(null, 'fromSeq')).toBeUndefined();
    expect(optionalSeq('', 'fromSeq')).toBeUndefined();
  });

  it.each([-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 1, true])('refuses %j naming the field', (v) => {
    expect(() => optionalSeq(v, 'toSeq')).toThrow(new LtError('VALIDATION_FAILED', `toSeq must be a non-negative integer, got ${JSON.stringify(v)}`));
  });

  it('in a JSON body an empty string is a wrong value, not an omission', () => {
    expect(optionalSeq(undefined, 'fromSeq', UNSET_IN_BODY)).toBeUndefined();
    expect(() => optionalSeq('', 'fromSeq', UNSET_IN_BODY)).toThrow(/fromSeq must be a non-negative integer, got ""/);
  });

  it('a required one must be given', () => {
    expect(requiredSeq(7, 'seq')).toBe(7);
    for (const v of [undefined, null, '']) {
      try {
        requiredSeq(v, 'seq');
        throw new Error('accepted');
      } catch (e) {
        expect(e).toBeInstanceOf(LtError);
        expect((e as LtError).code).toBe('VALIDATION_FAILED');
        expect((e as LtError).message).toBe('seq is required');
        expect((e as LtError).details).toEqual({ field: 'seq' });
      }
    }
  });
});

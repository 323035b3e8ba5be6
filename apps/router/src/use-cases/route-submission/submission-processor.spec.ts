import { LtError } from '@lt/contracts';
import { isTransient } from './submission-processor';

describe('isTransient: an outage is retried forever, a submission-specific failure counts towards dead-lettering', () => {
  it.each([
    [new LtError('UNAVAILABLE', 'concurrent insert'), true],
    [new LtError('TIMEOUT', 'slow'), true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), true],
    [Object.assign(new Error('could not serialize access'), { code: '40001' }), true],
    [Object.assign(new Error('connection failure'), { code: '08006' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [Object.assign(new Error('TIMEOUT'), { name: 'TimeoutError' }), true],
    [Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }), false],
    [Object.assign(new Error('value too long'), { code: '22001' }), false],
    [new TypeError("Cannot read properties of undefined (reading 'code')"), false],
    [new LtError('INTERNAL', 'bug'), false],
  ])('%s -> %s', (err, expected) => {
    expect(isTransient(err)).toBe(expected);
  });
});

import { LtError } from '@lt/contracts';
import { messageId, wantsXml } from './params';

describe('wantsXml: content negotiation of GET /v1/inbox/{id}', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['application/json', false],
    ['*/*', false],
    ['application/xml', true],
    ['text/xml', true],
    ['application/xml;q=0.9, application/json', false],
    ['application/json;q=0.5, application/xml', true],
    ['text/html, application/xml;q=0.9, */*;q=0.8', true],
    ['application/xml;q=0', false],
  ])('Accept %p -> %p', (accept, xml) => {
    expect(wantsXml(accept)).toBe(xml);
  });
});

describe('messageId', () => {
  it('takes a UUID and refuses anything else with VALIDATION_FAILED naming the field', () => {
    expect(messageId('01a2495f-dbab-7000-8ad6-56e24db6023c')).toBe('01a2495f-dbab-7000-8ad6-56e24db6023c');
    const err = (() => {
      try {
        messageId('../../etc/passwd');
      } catch (e) {
        return e as LtError;
      }
    })();
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'id' } });
  });
});

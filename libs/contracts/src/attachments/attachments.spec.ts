import { attachmentsHeader, parseAttachmentsHeader } from '../messaging/inbox-headers';
import { topology } from '../messaging/topology';
import { validateAttachments } from '../envelope/validate';
import { attachmentSubjects } from './attachments';

const SHA = 'a'.repeat(64);
const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('attachment subjects', () => {
  const s = attachmentSubjects(topology('lt'));

  it("carry the agency's code tokens, and parse back to the agency and the operation", () => {
    expect(s.op('000.12.05.H41', 'chunk')).toBe('lt.att.H41.05.12.000.chunk');
    expect(s.parse('lt.att.H41.05.12.000.chunk')).toEqual({ agencyCode: '000.12.05.H41', op: 'chunk' });
    expect(s).toMatchObject({ wildcard: 'lt.att.>', bind: 'lt.rpc.attachments.bind', bucket: 'lt-attachments', index: 'lt-attachments-index' });
  });

  it('parse refuses unknown operations, other namespaces and malformed codes', () => {
    expect(s.parse('lt.att.H41.05.12.000.delete')).toBeNull();
    expect(s.parse('xx.att.H41.05.12.000.open')).toBeNull();
    expect(s.parse('lt.att.H41.05.open')).toBeNull();
  });
});

describe('Lt-Attachments header', () => {
  it('lists uploaded attachments only, and reads back what parses', () => {
    const v = attachmentsHeader([{ id: ID, size: 12, sha256: SHA }, { size: 1, sha256: SHA }]);
    expect(v).toBe(`${ID}:12:${SHA}`);
    expect(attachmentsHeader([{ size: 1, sha256: SHA }])).toBeUndefined();
    expect(parseAttachmentsHeader(`${v},junk,${ID}:x:${SHA}`)).toEqual([{ id: ID, size: 12, sha256: SHA }]);
  });
});

describe('envelope attachments with ids', () => {
  it('accepts a uuid id and refuses a malformed or repeated one', () => {
    const a = { id: ID, name: 'a.pdf', mediaType: 'application/pdf', size: 1, sha256: SHA };
    expect(validateAttachments([a])).toHaveLength(1);
    expect(() => validateAttachments([{ ...a, id: 'x' }])).toThrow(/attachments\[0\]\.id/);
    expect(() => validateAttachments([a, { ...a, name: 'b.pdf' }])).toThrow(/attachments\[1\]\.id/);
  });
});

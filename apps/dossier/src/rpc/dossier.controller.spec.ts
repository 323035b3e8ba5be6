import { splitViewer } from './dossier.controller';

describe('viewer on read payloads', () => {
  it('splits the viewer the gateway sets from the query', () => {
    expect(splitViewer({ code: 'x', viewer: { role: 'agency:000.12.05.H41', agencyCode: '000.12.05.H41' } }, 'p')).toEqual({
      viewer: { role: 'agency:000.12.05.H41', agencyCode: '000.12.05.H41' },
      rest: { code: 'x' },
    });
    expect(splitViewer(undefined, 'p')).toEqual({ viewer: undefined, rest: {} });
  });

  it('refuses a malformed viewer with VALIDATION_FAILED', () => {
    expect(() => splitViewer({ viewer: { agencyCode: 1 } }, 'p')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => splitViewer([], 'p')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

import type { Envelope, StatusBody } from '@lt/contracts';

const STATUS_DESCRIPTION_MAX = 500;

/** The status 02 the hub sends back to the sender of a refused envelope. */
export function refusalEnvelope(p: {
  id: string;
  hubAgency: string;
  sender: string;
  responseFor: string;
  reasonCode: string;
  reason: string;
  at: Date;
}): Envelope<StatusBody> {
  const iso = p.at.toISOString();
  return {
    id: p.id,
    kind: 'status',
    from: p.hubAgency,
    to: [p.sender],
    issuedAt: iso,
    body: {
      responseFor: p.responseFor,
      statusCode: '02',
      reasonCode: p.reasonCode,
      description: clip(p.reason, STATUS_DESCRIPTION_MAX),
      timestamp: iso,
    },
  };
}

function clip(text: string, max: number): string {
  // a reason may quote hostile input: controls (other than \n, \t) would make the 02 itself invalid

  const chars = [...text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

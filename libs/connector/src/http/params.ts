import { isUuid, LtError } from '@lt/contracts';

export function messageId(value: string, field = 'id'): string {
  if (!isUuid(value))
    throw new LtError('VALIDATION_FAILED', `${field} must be a message id (UUID), got ${JSON.stringify(String(value).slice(0, 60))}`, { field });
  return value;
}

/** Accept asks for edXML (application/xml or text/xml ranked before JSON). */
export function wantsXml(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { xml: number; json: number } = { xml: -1, json: -1 };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith('q='))
        ?.slice(2) ?? '1',
    );
    if (type === 'application/xml' || type === 'text/xml') best = { ...best, xml: Math.max(best.xml, q) };
    if (type === 'application/json' || type === '*/*' || type === 'application/*')
      best = { ...best, json: Math.max(best.json, type === 'application/json' ? q : q - 0.001) };
  }
  return best.xml > 0 && best.xml >= best.json;
}

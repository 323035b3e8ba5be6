/** A JSON reply of the gateway as tests see it. */
export interface HttpReply<T> {
  status: number;
  body: T;
}

/**
 * One HTTP request with a JSON (or given) body; `bearer` null sends no Authorization header.
 * Shared by the e2e harness and the gateway integration fixture.
 */
export async function httpJson<T = unknown>(
  url: string,
  method: string,
  bearer: string | null,
  opts: { body?: unknown; contentType?: string } = {},
): Promise<HttpReply<T>> {
  const headers: Record<string, string> = {};
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

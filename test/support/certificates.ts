import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A CA (`ca.pem`) and a server certificate for 127.0.0.1 signed by it (`server-cert.pem`,
 * `server-key.pem`), made with openssl; with `client`, also a client certificate from the same CA
 * (`client-cert.pem`, `client-key.pem`).
 */
export function makeCertificates(tlsDir: string, opts: { client?: boolean } = {}): void {
  mkdirSync(tlsDir, { recursive: true });
  const at = (f: string) => join(tlsDir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=LienThong test CA', '-keyout', at('ca-key.pem'), '-out', at('ca.pem'));
  const sign = (name: string, subject: string, ext: string) => {
    openssl('req', ...ec, '-subj', subject, '-keyout', at(`${name}-key.pem`), '-out', at(`${name}.csr`));
    writeFileSync(at(`${name}.ext`), ext);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca-key.pem'),
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      at(`${name}.ext`),
      '-out',
      at(`${name}-cert.pem`),
    );
  };
  sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  if (opts.client) sign('client', '/CN=agency system', 'extendedKeyUsage=clientAuth\n');
}

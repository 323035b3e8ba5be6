import { nkeys } from '@nats-io/nats-core';
import { LtError, topology } from '@lt/contracts';
import { agencyInboxPrefix, agencyPermissions, inboxDurableName } from './agency-permissions';
import { servicePermissions } from './service-permissions';
import { createUserNkey, publicKeyFromSeed } from './nkeys';
import { renderNatsConfig } from './nats-config';

const topo = topology('lt');
const A = '000.12.05.H41';

describe('agencyPermissions', () => {
  const p = agencyPermissions(topo, A);

  it('names only the agency own submit subject, durable and reply prefix', () => {
    expect(inboxDurableName(A)).toBe('inbox_H41_05_12_000');
    expect(agencyInboxPrefix(A)).toBe('_INBOX.H41.05.12.000');
    expect(p.publish.allow).toContain('lt.submit.H41.05.12.000');
    expect(p.publish.allow).toContain('$JS.API.CONSUMER.CREATE.LT_INBOX.inbox_H41_05_12_000.lt.inbox.H41.05.12.000');
    expect(p.publish.allow).toContain('$JS.ACK.LT_INBOX.inbox_H41_05_12_000.>');
    expect(p.subscribe.allow).toEqual(['_INBOX.H41.05.12.000.>']);
  });

  it('allows no wildcard over the hub subjects and no stream or consumer administration', () => {
    for (const s of p.publish.allow) {
      expect(s).not.toMatch(/^lt\.(submit|inbox)\.(>|\*)/);
      expect(s).not.toMatch(/\$JS\.API\.STREAM\.(CREATE|UPDATE|DELETE|PURGE)/);
      // the only consumers it may delete are its own outcome consumers
      if (s.includes('CONSUMER.DELETE')) expect(s).toMatch(/^\$JS\.API\.CONSUMER\.DELETE\.LT_INBOX\.outcome_H41_05_12_000_\d$/);
      // wildcards only inside the agency's own durable acks, the read-only directory stream and its own attachments subjects
      if (/[*>]/.test(s)) expect(s).toMatch(/^\$JS\.ACK\.LT_INBOX\.inbox_H41_05_12_000\.>$|KV_lt-agencies|^lt\.att\.H41\.05\.12\.000\.\*$/);
    }
    expect(p.publish.deny).toEqual(expect.arrayContaining(['$KV.lt-agencies.>', '$JS.API.STREAM.DELETE.>', '$JS.API.CONSUMER.LIST.>', '$O.>']));
    expect(p.subscribe.deny).toContain('$O.>');
  });

  it('drops consumer creation when the hub pre-creates inbox consumers', () => {
    const ro = agencyPermissions(topo, A, undefined, { createInboxConsumer: false });
    expect(ro.publish.allow.some((s) => s.startsWith('$JS.API.CONSUMER.CREATE.LT_INBOX'))).toBe(false);
    expect(ro.publish.allow).toContain('$JS.API.CONSUMER.MSG.NEXT.LT_INBOX.inbox_H41_05_12_000');
  });

  it('rejects a malformed agency code', () => {
    expect(() => agencyPermissions(topo, '12.05.H41')).toThrow(LtError);
  });
});

describe('user nkeys', () => {
  it('encodes seeds and public keys exactly as the nkeys library does', () => {
    for (let i = 0; i < 20; i++) {
      const mine = createUserNkey();
      expect(mine.seed).toMatch(/^SU[A-Z2-7]{56}$/);
      expect(nkeys.fromSeed(new TextEncoder().encode(mine.seed)).getPublicKey()).toBe(mine.publicKey);
      const theirs = nkeys.createUser();
      expect(publicKeyFromSeed(new TextDecoder().decode(theirs.getSeed()))).toBe(theirs.getPublicKey());
    }
  });

  it('rejects a corrupted seed and a non-user seed', () => {
    const { seed } = createUserNkey();
    const flipped = seed.slice(0, 10) + (seed[10] === 'A' ? 'B' : 'A') + seed.slice(11);
    expect(() => publicKeyFromSeed(flipped)).toThrow(/checksum/);
    const account = new TextDecoder().decode(nkeys.createAccount().getSeed());
    expect(() => publicKeyFromSeed(account)).toThrow(/user nkey seed/);
  });
});

describe('renderNatsConfig', () => {
  const a = createUserNkey();
  const svc = createUserNkey();

  it('writes one account with JetStream, the agency users and the shared deny lists', () => {
    const text = renderNatsConfig({
      topo,
      agencies: [{ code: A, nkey: a.publicKey }],
      services: [{ user: 'router', role: 'router', nkey: svc.publicKey }],
      jetstreamDir: '/var/lib/lt/nats',
      port: 4222,
      listen: '127.0.0.1',
      monitorPort: 8222,
    });
    expect(text).toContain('max_payload: 2097152');
    expect(text).toContain('http: "127.0.0.1:8222"');
    expect(text).toContain('store_dir: "/var/lib/lt/nats"');
    expect(text).toMatch(/accounts \{\n {2}LT \{\n {4}jetstream: enabled/);
    expect(text).toContain(`nkey: "${a.publicKey}"`);
    expect(text).toContain('deny: $AGENCY_PUBLISH_DENY');
    expect(text).toContain(JSON.stringify(servicePermissions(topo, 'router').publish.allow).replace(/,/g, ', '));
  });

  it('writes only the users with accountsOnly, and no unused variables without agencies', () => {
    const usersOnly = renderNatsConfig({ topo, agencies: [{ code: A, nkey: a.publicKey }], services: [], accountsOnly: true, port: 4222 });
    expect(usersOnly).not.toMatch(/^(port|host|max_payload):/m);
    expect(usersOnly).not.toContain('jetstream {');
    expect(usersOnly).toContain('AGENCY_PUBLISH_DENY: [');
    expect(usersOnly).toContain('accounts {');
    // nats-server refuses a variable nobody references
    const servicesOnly = renderNatsConfig({ topo, agencies: [], services: [{ user: 'router', role: 'router', nkey: svc.publicKey }] });
    expect(servicesOnly).not.toContain('AGENCY_PUBLISH_DENY');
  });

  it('names the offending entry when a credential is missing, doubled or malformed', () => {
    const base = { topo, services: [] };
    expect(() => renderNatsConfig({ ...base, agencies: [{ code: A }] })).toThrow(/agencies\[0\] needs exactly one of nkey, password, passwordHash/);
    expect(() =>
      renderNatsConfig({
        ...base,
        agencies: [
          { code: A, nkey: a.publicKey },
          { code: A, nkey: svc.publicKey },
        ],
      }),
    ).toThrow(/appears twice/);
    expect(() => renderNatsConfig({ ...base, agencies: [{ code: A, nkey: 'UABC' }] })).toThrow(/agencies\[0\]\.nkey/);
    expect(() => renderNatsConfig({ ...base, agencies: [{ code: A, user: 'a', password: 'x"y-long-enough' }] })).toThrow(/password/);
    expect(() => renderNatsConfig({ ...base, agencies: [{ code: A, user: 'a', passwordHash: 'plain' }] })).toThrow(/bcrypt/);
    expect(() => renderNatsConfig({ ...base, agencies: [], services: [{ user: 'x', role: 'boss' as never, password: 'long-enough-1' }] })).toThrow(
      /services\[0\]\.role/,
    );
  });
});

import { topology } from '@lt/contracts';
import { hubDurables } from '@lt/observability';
import { SERVICE_ROLES, servicePermissions } from './service-permissions';

/**
 * The scrape-time reads of every service's metrics (trackHubQueues: the hub durables' lag and the
 * dead-letter depth) need these rights of its NATS user. Enforcement by a real server is in
 * test/integration/nats-permissions.spec.ts.
 */
describe('metrics reads allowed by the service permissions', () => {
  const topo = topology('lt');

  it.each(SERVICE_ROLES.filter((r) => r !== 'operator'))('%s may read the dead-letter stream info and every hub durable consumer info', (role) => {
    const allowed = servicePermissions(topo, role).publish?.allow ?? [];
    expect(allowed).toEqual(
      expect.arrayContaining([
        '$JS.API.INFO',
        `$JS.API.STREAM.INFO.${topo.streams.deadLetter}`,
        ...hubDurables(topo).map(({ stream, consumer }) => `$JS.API.CONSUMER.INFO.${stream}.${consumer}`),
      ]),
    );
  });

  it('the hub durables are the router on submit and the audit on events and inbox', () => {
    expect(hubDurables(topo)).toEqual([
      { stream: topo.streams.submit, consumer: topo.consumers.router },
      { stream: topo.streams.events, consumer: topo.consumers.audit },
      { stream: topo.streams.inbox, consumer: 'audit-inbox' }, // the name on existing hubs: changing it would orphan their durable
    ]);
  });
});

import { topology } from '@lt/contracts';
import { servicePermissions } from '@lt/messaging';

/** The scrape-time reads of the metrics need these rights of the services' NATS users (not granted here: checked). */
describe('metrics reads allowed by the service permissions', () => {
  const topo = topology('lt');
  const allowed = (role: 'router' | 'audit') => servicePermissions(topo, role).publish?.allow ?? [];

  it('the router may read the dead-letter stream info and its own consumer info', () => {
    expect(allowed('router')).toEqual(expect.arrayContaining(['$JS.API.INFO', `$JS.API.STREAM.INFO.${topo.streams.deadLetter}`, `$JS.API.CONSUMER.INFO.${topo.streams.submit}.${topo.consumers.router}`]));
  });

  it('the audit may read the info of both its consumers', () => {
    expect(allowed('audit')).toEqual(
      expect.arrayContaining([`$JS.API.CONSUMER.INFO.${topo.streams.events}.${topo.consumers.audit}`, `$JS.API.CONSUMER.INFO.${topo.streams.inbox}.audit-inbox`]),
    );
  });
});

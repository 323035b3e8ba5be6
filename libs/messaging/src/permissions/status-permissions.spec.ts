import { topology } from '@lt/contracts';
import { SERVICE_ROLES, servicePermissions } from './service-permissions';
import { agencyPermissions } from './agency-permissions';

/** The status request (`<ns>.status`) in the permission sets; the server enforces them in test/integration/nats-permissions.spec.ts. */
describe('status request permissions', () => {
  const topo = topology('lt');

  it('every service role listens on lt.status and may answer; only the operator and the gateway may ask', () => {
    for (const role of SERVICE_ROLES.filter((r) => r !== 'operator')) {
      const p = servicePermissions(topo, role);
      expect({ role, listens: p.subscribe.allow.includes('lt.status'), answers: p.allowResponses }).toEqual({ role, listens: true, answers: true });
      expect({ role, asks: p.publish.allow.includes('lt.status') }).toEqual({ role, asks: role === 'gateway' });
    }
    expect(servicePermissions(topo, 'operator').publish.allow).toContain('lt.>');
  });

  it('the router may list the inbox stream consumers, and only that stream', () => {
    const lists = servicePermissions(topo, 'router').publish.allow.filter((s) => s.startsWith('$JS.API.CONSUMER.LIST'));
    expect(lists).toEqual([`$JS.API.CONSUMER.LIST.${topo.streams.inbox}`]);
    for (const role of SERVICE_ROLES.filter((r) => r !== 'router' && r !== 'operator')) {
      expect(servicePermissions(topo, role).publish.allow.filter((s) => s.startsWith('$JS.API.CONSUMER.LIST'))).toEqual([]);
    }
  });

  it('an agency may neither ask nor listen', () => {
    const p = agencyPermissions(topo, '000.12.05.H41');
    expect(p.publish.allow).not.toContain('lt.status');
    expect(p.subscribe.deny).toContain('lt.>');
  });
});

import { topology } from '@lt/contracts';
import { streamConfigs } from './streams';

describe('streamConfigs', () => {
  const topo = topology('specns');

  it('gives every stream the configured replica count, from one place', () => {
    const configs = streamConfigs(topo, { replicas: 3 });
    expect(configs.map((c) => c.name).sort()).toEqual(Object.values(topo.streams).sort());
    for (const c of configs) expect(c.num_replicas).toBe(3);
  });

  it('creates single-copy streams when no count is configured (one server: tests, benches)', () => {
    for (const c of streamConfigs(topo)) expect(c.num_replicas).toBe(1);
  });
});

import fc from 'fast-check';
import { nearestRankPercentile } from '@lt/dossier-domain';
import { percentileFromHistogram } from './postgres-dossier.repository';

describe('p90 from the per-days histogram the report SQL returns', () => {
  it('equals @lt/dossier-domain nearestRankPercentile over the expanded values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 300 }), fc.constantFrom(50, 90, 95, 100), (values, p) => {
        const histogram = new Map<number, number>();
        for (const v of values) histogram.set(v, (histogram.get(v) ?? 0) + 1);
        expect(percentileFromHistogram(histogram, p)).toBe(
          nearestRankPercentile(
            [...values].sort((a, b) => a - b),
            p,
          ),
        );
      }),
    );
  });

  it('is null for no settled dossier', () => {
    expect(percentileFromHistogram(new Map(), 90)).toBeNull();
  });
});

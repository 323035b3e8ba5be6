import type { Agency } from '@lt/contracts';
import type { AgencyLookup } from '../../domain/agency-rules';
import type { RegistryTx } from '../../ports';

/**
 * The directory as one transaction sees it: rows read once and cached, and rows the transaction
 * decided to write overlaid, so an import row sees the parents created on earlier lines.
 */
export class TxAgencyLookup implements AgencyLookup {
  private readonly cache = new Map<string, Agency | null>();

  constructor(private readonly tx: RegistryTx) {}

  async preload(codes: Iterable<string>): Promise<void> {
    const missing = [...new Set(codes)].filter((c) => !this.cache.has(c));
    if (missing.length === 0) return;
    const found = await this.tx.findAgencies(missing);
    for (const c of missing) this.cache.set(c, found.get(c) ?? null);
  }

  async get(code: string): Promise<Agency | null> {
    if (!this.cache.has(code)) await this.preload([code]);
    return this.cache.get(code) ?? null;
  }

  set(agency: Agency): void {
    this.cache.set(agency.code, agency);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { LtError, type AgencyTreeNode } from '@lt/contracts';
import { describe, invalid, parseCodeField } from '../../domain/input';
import { AGENCY_REPOSITORY, type AgencyRepository } from '../../ports';

export const MAX_TREE_DEPTH = 4;

export function parseDepth(value: unknown): number {
  if (value === undefined || value === null || value === '') return 1;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_TREE_DEPTH) {
    throw invalid('depth', `must be an integer from 1 to ${MAX_TREE_DEPTH}, got ${describe(value)}`);
  }
  return n;
}

/** The agency and its descendants (closed ones included, with their status) down to `depth` levels. */
@Injectable()
export class AgencyChildrenUseCase {
  constructor(@Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository) {}

  async execute(code: string, depth?: unknown): Promise<AgencyTreeNode> {
    const c = parseCodeField(code, 'code');
    const d = parseDepth(depth);
    const root = await this.repo.findAgency(c);
    if (!root) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
    const node = (a: { code: string; name: string; tier: AgencyTreeNode['tier']; status: AgencyTreeNode['status'] }): AgencyTreeNode => ({
      code: a.code,
      name: a.name,
      tier: a.tier,
      status: a.status,
      children: [],
    });
    const top = node(root);
    const byCode = new Map<string, AgencyTreeNode>([[top.code, top]]);
    // rows come parents first (ordered by depth), so every parent node exists when its child arrives
    for (const row of await this.repo.subtree(c, d)) {
      const n = node(row);
      byCode.set(n.code, n);
      byCode.get(row.parentCode!)?.children.push(n);
    }
    return top;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { LtError } from '@lt/contracts';
import type { AgencyWithKeys } from '../../domain/agency';
import { followSuccessors, type AgencyLookup } from '../../domain/agency-rules';
import { parseCodeField } from '../../domain/input';
import { AGENCY_REPOSITORY, type AgencyRepository } from '../../ports';

export interface AgencyDetails extends AgencyWithKeys {
  /** for a closed agency: the end of its successor chain (where its mail goes); null otherwise */
  finalSuccessorCode: string | null;
}

@Injectable()
export class GetAgencyUseCase {
  constructor(@Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository) {}

  async execute(code: string): Promise<AgencyDetails> {
    const c = parseCodeField(code, 'code');
    const agency = await this.repo.findAgency(c);
    if (!agency) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
    let finalSuccessorCode: string | null = null;
    if (agency.successorCode) {
      const lookup: AgencyLookup = { get: (x) => this.repo.findAgency(x) };
      finalSuccessorCode = (await followSuccessors(lookup, agency)).final.code;
    }
    return { ...agency, finalSuccessorCode };
  }
}

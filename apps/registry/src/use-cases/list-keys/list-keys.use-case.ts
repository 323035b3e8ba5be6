import { Inject, Injectable } from '@nestjs/common';
import { LtError, type AgencyKey } from '@lt/contracts';
import { parseCodeField } from '../../domain/input';
import { AGENCY_REPOSITORY, type AgencyRepository } from '../../ports';

/** Every key of an agency, revoked ones included unless `activeOnly`. */
@Injectable()
export class ListKeysUseCase {
  constructor(@Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository) {}

  async execute(code: string, activeOnly = false): Promise<AgencyKey[]> {
    const c = parseCodeField(code, 'code');
    const agency = await this.repo.findAgency(c);
    if (!agency) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
    return activeOnly ? agency.keys.filter((k) => k.revokedAt === null) : agency.keys;
  }
}

import { Registry1732000000000 } from './1732000000000-registry';
import { RegistryOutbox1732000000100 } from './1732000000100-registry-outbox';
import { Router1732000000300 } from './1732000000300-router';
import { AuditLog1732000000400 } from './1732000000400-audit-log';
import { Dossiers1732000000500 } from './1732000000500-dossiers';
import { RouterFastRegister1732000000600 } from './1732000000600-router-fast-register';
import { AuditPartitionDefiner1732000000700 } from './1732000000700-audit-partition-definer';

/** Every migration, in order. Append new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [Registry1732000000000, RegistryOutbox1732000000100, Router1732000000300, AuditLog1732000000400, Dossiers1732000000500, RouterFastRegister1732000000600, AuditPartitionDefiner1732000000700];

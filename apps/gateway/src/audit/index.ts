import { AuditController } from './audit.controller';
import { MessageTraceController } from './trace.controller';
import { AgencyReportsController } from './reports.controller';

/** Auditor routes (audit log, message traces, agency reports under /v1), registered in ../features.ts. */
export const AUDIT_CONTROLLERS = [AuditController, MessageTraceController, AgencyReportsController];
export { AuditController, MessageTraceController, AgencyReportsController };

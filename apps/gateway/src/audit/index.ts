import { AuditController } from './audit.controller';
import { MessageTraceController } from './trace.controller';
import { AgencyReportsController } from './reports.controller';

/** Audit routes (DESIGN.md "HTTP"), registered in ../features.ts. */
export const AUDIT_CONTROLLERS = [AuditController, MessageTraceController, AgencyReportsController];
export { AuditController, MessageTraceController, AgencyReportsController };

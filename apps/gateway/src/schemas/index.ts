import { SchemasController } from './schemas.controller';

/** Public JSON Schemas (GET /v1/schemas/*.json), registered in ../gateway.module.ts. */
export const SCHEMA_CONTROLLERS = [SchemasController];
export { SchemasController };

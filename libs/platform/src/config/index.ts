// One schema of environment variables (schema.ts) and the loaders every service reads it through.
export { ConfigError, type Env } from './config-error';
export { DEFAULT_HUB_AGENCY, findConfigDir } from './defaults';
export { envInt, type Parser } from './parsers';
export { CONFIG_SCHEMA, readVariable, type ConfigName, type ConfigReader, type ConfigSection, type ConfigValue, type ConfigVariable } from './schema';
export { HUB_CONFIG, loadConfig, type HubConfig } from './hub-config';
export { loadRouterSettings, type BroadcastCaps, type RouterSettings, type VerifyMode } from './router-settings';
export { loadStreamLimits, loadStreamReplicas, loadStreamSettings, type StreamLimit, type StreamLimits } from './stream-limits';
export { loadAuditSettings, type AuditSettings } from './audit-settings';
export { loadDossierSettings, type DossierSettings } from './dossier-settings';
export { loadCliSettings, type CliSettings } from './cli-settings';
export { renderConfigDoc } from './config-doc';

export * from './agency-lookup';
export * from './dossier.repository';
export * from './dossier-publisher';
export type { Clock } from '@lt/platform';
export { systemClock, FixedClock } from '@lt/platform';

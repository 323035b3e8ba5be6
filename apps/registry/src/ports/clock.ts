export type { Clock } from '@lt/platform';
export { systemClock, FixedClock } from '@lt/platform';

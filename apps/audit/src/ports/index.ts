export * from './audit-store';
export * from './writer-lock';

export * from './data-source';
export * from './test-database';
export * from './bulk';
export { MIGRATIONS } from './migrations';

export * from './data-source';
export * from './test-database';
export * from './bulk';
export * from './service-roles';
export { MIGRATIONS } from './migrations';

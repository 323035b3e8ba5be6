export * from './config';
export * from './logger';
export * from './clock';
export * from './lifecycle';
export * from './every';
export * from './key-files';
export * from './nest-logger';

export * from './config';
export * from './logger';
export * from './clock';
export * from './lifecycle';
export * from './key-files';

export * from './connection';
export * from './streams';
export * from './rpc';
export * from './durable-consumer';
export * from './publisher';
export * from './permissions';

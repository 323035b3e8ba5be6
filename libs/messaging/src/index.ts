export * from './connection';
export * from './streams';
export * from './rpc';
export * from './durable-consumer';
export * from './publisher';
export * from './hub-inbox-writer';
export * from './permissions';
export * from './nest';

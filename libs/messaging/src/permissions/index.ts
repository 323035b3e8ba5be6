export * from './agency-permissions';
export * from './nkeys';
export * from './nats-config';

export * from './agency-permissions';
export * from './service-permissions';
export * from './nkeys';
export * from './nats-config';
export * from './seed-store';

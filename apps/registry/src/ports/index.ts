export * from './agency.repository';
export * from './registry-events';
export * from './agency-mirror';
export * from './import-forwarder';
export * from './clock';

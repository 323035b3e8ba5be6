export { bootHubContext, bootHubService, type HubServiceBoot } from './boot';
export { BootedService } from './booted-service';
export { hubServiceProviders, NATS_CONNECTION, TOPOLOGY, type HubServiceInfra } from './providers';
export { NatsRpcServer, NatsRpcContext, PER_REPLICA, type NatsRpcServerOptions } from './nats-rpc.server';
export { PassLtErrorsFilter } from './rpc-error.filter';
export { CallerVerifier, loadTokenVerifyKeys, type CallerRole, type CallerVerifierOptions } from './caller-verifier';

import type { Topology } from '@lt/contracts';
import { PinoNestLogger } from '@lt/platform';
import type { DynamicModule, INestApplicationContext, INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsRpcServer } from './nats-rpc.server';
import { PassLtErrorsFilter } from './rpc-error.filter';

export interface HubServiceBoot {
  nc: NatsConnection;
  log: Logger;
  topology: Topology;
  /** the service's RPC namespace: its @MessagePattern handlers answer on `<ns>.rpc.<service>.<pattern>` */
  service: 'registry' | 'audit' | 'dossier' | 'router';
  /** this replica's id, for PER_REPLICA handlers */
  replicaId?: string;
}

/**
 * Boots a hub service as a Nest microservice over its NATS connection: module init and
 * OnApplicationBootstrap hooks (the service starts its consumers), then the RPC subscriptions.
 * `app.close()` unsubscribes first, then runs the destroy and shutdown hooks (drain).
 * main.ts, npm start and the tests all boot a service through this.
 */
export async function bootHubService(module: DynamicModule | Type<unknown>, o: HubServiceBoot): Promise<INestMicroservice> {
  const strategy = new NatsRpcServer({ nc: o.nc, log: o.log, subjectPrefix: o.topology.rpcSubject(o.service, ''), queue: o.service, replicaId: o.replicaId });
  const app = await NestFactory.createMicroservice(module, { strategy, logger: new PinoNestLogger(o.log), abortOnError: false });
  app.useGlobalFilters(new PassLtErrorsFilter());
  try {
    // listen() runs the init and bootstrap hooks itself (an init() before it would run them twice in Nest 12.1)
    await app.listen();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

/**
 * Boots a hub service's module without request-reply, as an application context: the same
 * init and bootstrap hooks, for callers that use its providers in-process.
 */
export async function bootHubContext(module: DynamicModule | Type<unknown>, log: Logger): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(module, { logger: new PinoNestLogger(log), abortOnError: false });
  try {
    await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

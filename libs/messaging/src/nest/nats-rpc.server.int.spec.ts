import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Controller, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { LtError, topology } from '@lt/contracts';
import { connectNats, type NatsConnection } from '../connection';
import { RpcClient } from '../rpc';
import { bootHubService } from './boot';
import { NatsRpcContext, PER_REPLICA } from './nats-rpc.server';

const log = pino({ level: 'silent' });
const events: string[] = [];

@Injectable()
class Lifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  onApplicationBootstrap(): void {
    events.push('started');
  }
  onModuleDestroy(): void {
    events.push('stopped');
  }
}

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    return { echoed: p, subject: ctx.getSubject() };
  }

  @MessagePattern('whoami')
  whoami(@Ctx() ctx: NatsRpcContext) {
    return { token: ctx.getHeader('Lt-Caller-Token') ?? null, other: ctx.getHeader('Lt-Other') ?? null };
  }

  @MessagePattern('fail')
  fail(): never {
    throw new LtError('UNKNOWN_AGENCY', 'no agency 000.00.01.H99', { code: '000.00.01.H99' });
  }

  @MessagePattern('crash')
  async crash(): Promise<never> {
    throw new TypeError('boom');
  }

  @MessagePattern('session', { [PER_REPLICA]: true })
  session() {
    return 'this replica';
  }

  @MessagePattern('both')
  both() {
    return 'any replica';
  }

  @MessagePattern('both', { [PER_REPLICA]: true })
  bothHere() {
    return 'this replica only';
  }
}

@Module({ controllers: [EchoController], providers: [Lifecycle] })
class EchoModule {}

describe('NatsRpcServer: @MessagePattern handlers over a real NATS connection', () => {
  const topo = topology(`t${randomBytes(4).toString('hex')}`);
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'nest-rpc-int');
  });
  afterAll(async () => {
    await nc.drain();
  });

  it('answers results, keeps stable error codes, serves per-replica subjects and runs lifecycle hooks', async () => {
    const app = await bootHubService(EchoModule, { nc, log, topology: topo, service: 'registry', replicaId: 'r1' });
    expect(events).toEqual(['started']);
    const client = new RpcClient(nc, 2000);
    const subject = (m: string) => topo.rpcSubject('registry', m);

    await expect(client.call(subject('echo'), { a: 1 })).resolves.toEqual({ echoed: { a: 1 }, subject: subject('echo') });
    const err = await client.call(subject('fail'), {}).catch((e) => e);
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'UNKNOWN_AGENCY', message: 'no agency 000.00.01.H99', details: { code: '000.00.01.H99' } });
    await expect(client.call(subject('crash'), {})).rejects.toMatchObject({ code: 'INTERNAL', message: 'boom' });
    await expect(client.call(`${subject('session')}.r1`, {})).resolves.toBe('this replica');
    await expect(client.call(subject('session'), {}, 500)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // one pattern served both ways: the shared handler is not replaced by the per-replica one
    await expect(client.call(subject('both'), {})).resolves.toBe('any replica');
    await expect(client.call(`${subject('both')}.r1`, {})).resolves.toBe('this replica only');

    // headers reach the handler through the context; withHeaders leaves the original client bare
    const withToken = client.withHeaders({ 'Lt-Caller-Token': 'a.b.c' });
    await expect(withToken.call(subject('whoami'), {})).resolves.toEqual({ token: 'a.b.c', other: null });
    await expect(withToken.withHeaders({ 'Lt-Other': 'x' }).call(subject('whoami'))).resolves.toEqual({ token: 'a.b.c', other: 'x' });
    await expect(client.call(subject('whoami'), {})).resolves.toEqual({ token: null, other: null });

    // a body that is not JSON is refused with MALFORMED_JSON, not a crash
    const raw = await nc.request(subject('echo'), new TextEncoder().encode('{nope'), { timeout: 2000 });
    expect(JSON.parse(new TextDecoder().decode(raw.data))).toMatchObject({ ok: false, error: { code: 'MALFORMED_JSON' } });

    // the Nest observable form of the same request
    await expect(new Promise((res, rej) => client.send(subject('echo'), 7).subscribe({ next: res, error: rej }))).resolves.toMatchObject({ echoed: 7 });

    await app.close();
    expect(events).toEqual(['started', 'stopped']);
    await expect(client.call(subject('echo'), {}, 500)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

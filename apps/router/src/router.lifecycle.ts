import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PublishedHubKey } from '@lt/contracts';
import type { AgencyDirectory } from '@lt/directory';
import { describeMissingHubKeys, NATS_CONNECTION, type NatsConnection } from '@lt/messaging';
import { LOGGER, type Logger } from '@lt/platform';
import { SubmissionConsumer } from './adapters/submission-consumer';
import { AGENCY_DIRECTORY, DIRECTORY_SOURCE, SIGNATURE_VERIFIER, type DirectorySource, type SignatureVerifier } from './ports';
import { PUBLISHED_HUB_KEYS, ROUTER_OPTIONS, type RouterOptions } from './router.options';
import { SubmissionProcessor } from './use-cases/route-submission/submission-processor';

/**
 * Start: publish the hub's public keys (a kid published with another key stops the boot with the
 * fix in the message), load the directory (the KV watch's initial values), then consume
 * submissions. Stop, in this order: stop pulling, let the batches in hand settle, flush their
 * acks, stop the watch and the verifier's workers.
 */
@Injectable()
export class RouterLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(DIRECTORY_SOURCE) private readonly source: DirectorySource,
    @Inject(AGENCY_DIRECTORY) private readonly directory: AgencyDirectory,
    @Inject(PUBLISHED_HUB_KEYS) private readonly hubKeys: PublishedHubKey[],
    @Inject(SIGNATURE_VERIFIER) private readonly verifier: SignatureVerifier,
    private readonly processor: SubmissionProcessor,
    private readonly consumer: SubmissionConsumer,
    @Inject(ROUTER_OPTIONS) private readonly opts: RouterOptions,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const published = await this.source.publishHubKeys(this.hubKeys);
    if (published.missingLocally.length) this.log.warn({ retired: published.retired }, describeMissingHubKeys(published.missingLocally));
    if (published.written) this.log.info({ added: published.added, keys: published.keys.length }, 'hub public keys published');
    await this.source.follow(this.directory);
    this.log.info({ agencies: this.directory.size }, 'directory loaded');
    await this.consumer.start(this.processor.handle);
    this.log.info({ stream: this.consumer.stream, durable: this.consumer.durable, verify: this.opts.verify, maxBatch: this.opts.maxBatch }, 'router consuming');
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer.stop();
    await this.processor.drain();
    // the acks are plain publishes: make sure the server has them before anyone takes over
    await this.nc.flush().catch(() => undefined);
    await this.source.stop();
    await this.verifier.close();
  }
}

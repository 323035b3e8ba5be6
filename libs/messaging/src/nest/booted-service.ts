import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';

/**
 * The start/stop handle behind every `createXService`: boots the service's Nest module once,
 * closes it once, and keeps what the caller resolved from it at start (use cases, the writer...)
 * readable after stop, when tests inspect a stopped service.
 */
export class BootedService<P, T extends INestApplicationContext = INestMicroservice> {
  private running?: T;
  private resolved?: { parts: P };
  private booting?: Promise<T>;
  private closing?: Promise<void>;

  /**
   * @param what the service as named in the "not started" error ("the audit service")
   * @param resolve what to read from the booted app, once per start (none: the caller reads `app`)
   */
  constructor(
    private readonly what: string,
    private readonly resolve: (app: T) => P = () => undefined as P,
  ) {}

  /** The running app; throws before start() and after stop(). */
  get app(): T {
    if (!this.running) throw this.notStarted();
    return this.running;
  }

  /** What the last start() resolved, also after stop(); throws before the first start(). */
  get parts(): P {
    if (!this.resolved) throw this.notStarted();
    return this.resolved.parts;
  }

  /** The same, or undefined before the first start() (for getters that have a default). */
  get partsIfStarted(): P | undefined {
    return this.resolved?.parts;
  }

  /** Boots with `boot` unless already running (or booting): a second start() is a no-op. */
  async start(boot: () => Promise<T>): Promise<T> {
    if (this.running) return this.running;
    this.booting ??= this.boot(boot).finally(() => {
      this.booting = undefined;
    });
    return this.booting;
  }

  /** Closes the running app once; a stop() during a close waits for that close. */
  async stop(): Promise<void> {
    await this.booting?.catch(() => undefined);
    const app = this.running;
    this.running = undefined;
    if (app) {
      this.closing = app.close().finally(() => {
        this.closing = undefined;
      });
    }
    await this.closing;
  }

  private async boot(boot: () => Promise<T>): Promise<T> {
    // a start() right after stop() boots once the previous app is closed
    await this.closing?.catch(() => undefined);
    const app = await boot();
    try {
      this.resolved = { parts: this.resolve(app) };
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    this.running = app;
    return app;
  }

  private notStarted(): Error {
    return new Error(`${this.what} is not started: call start() first`);
  }
}

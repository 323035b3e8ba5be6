import type { INestApplicationContext } from '@nestjs/common';
import { BootedService } from './booted-service';

/** A stand-in for a booted Nest app: counts its closes, and lets a test hold a close open. */
function fakeApp(name: string) {
  let release: () => void = () => undefined;
  const app = {
    name,
    closes: 0,
    holdClose: false,
    close: async () => {
      app.closes++;
      if (app.holdClose) await new Promise<void>((r) => (release = r));
    },
    releaseClose: () => release(),
  };
  return app;
}
type FakeApp = ReturnType<typeof fakeApp>;
const asApp = (a: FakeApp) => a as unknown as INestApplicationContext;

describe('BootedService', () => {
  it('throws "not started" before start(), resolves parts once per start and keeps them after stop(), the app only while running', async () => {
    const svc = new BootedService('the test service', (app: INestApplicationContext) => ({ from: (app as unknown as FakeApp).name }));
    expect(() => svc.app).toThrow('the test service is not started: call start() first');
    expect(() => svc.parts).toThrow(/not started/);
    expect(svc.partsIfStarted).toBeUndefined();

    const first = fakeApp('first');
    await svc.start(async () => asApp(first));
    expect(svc.app).toBe(first);
    expect(svc.parts).toEqual({ from: 'first' });

    await svc.stop();
    expect(first.closes).toBe(1);
    expect(() => svc.app).toThrow(/not started/);
    expect(svc.parts).toEqual({ from: 'first' });
    expect(svc.partsIfStarted).toEqual({ from: 'first' });

    const second = fakeApp('second');
    await svc.start(async () => asApp(second));
    expect(svc.parts).toEqual({ from: 'second' });
    await svc.stop();
  });

  it('boots once for repeated or concurrent start() calls and closes once for repeated or concurrent stop() calls', async () => {
    const svc = new BootedService('the test service', (_app: INestApplicationContext) => null);
    const app = fakeApp('only');
    let boots = 0;
    const boot = async () => {
      boots++;
      await new Promise((r) => setTimeout(r, 5));
      return asApp(app);
    };
    await Promise.all([svc.start(boot), svc.start(boot)]);
    await svc.start(boot);
    expect(boots).toBe(1);

    app.holdClose = true;
    const stops = [svc.stop(), svc.stop()];
    let settled = 0;
    for (const s of stops) void s.then(() => settled++);
    await new Promise((r) => setTimeout(r, 5));
    // the second stop() waits for the close in progress instead of returning early
    expect(settled).toBe(0);
    app.releaseClose();
    await Promise.all(stops);
    expect(app.closes).toBe(1);
    await svc.stop();
    expect(app.closes).toBe(1);
  });

  it('closes an app whose parts cannot be resolved and stays not started', async () => {
    const svc = new BootedService('the test service', (_app: INestApplicationContext): never => {
      throw new Error('no such provider');
    });
    const app = fakeApp('broken');
    await expect(svc.start(async () => asApp(app))).rejects.toThrow('no such provider');
    expect(app.closes).toBe(1);
    expect(() => svc.app).toThrow(/not started/);
  });

  it('a stop() during boot waits for the boot, then closes what it booted', async () => {
    const svc = new BootedService('the test service', (_app: INestApplicationContext) => null);
    const app = fakeApp('slow');
    const started = svc.start(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return asApp(app);
    });
    await svc.stop();
    await started;
    expect(app.closes).toBe(1);
    expect(() => svc.app).toThrow(/not started/);
  });
});

import pino from 'pino';
import { every } from './every';

/** A task whose runs the test finishes by hand. */
function manualTask() {
  const finishers: Array<(err?: Error) => void> = [];
  const task = jest.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        finishers.push((err) => (err ? reject(err) : resolve()));
      }),
  );
  return { task, finish: (err?: Error) => finishers.shift()?.(err) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('every(ms, task)', () => {
  const log = pino({ level: 'silent' });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('runs at once and on each tick, never two runs at once', async () => {
    jest.useFakeTimers();
    const { task, finish } = manualTask();
    const periodic = every(1000, task, { name: 't', log });
    expect(task).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(3000); // the first run is still going: ticks skipped
    expect(task).toHaveBeenCalledTimes(1);
    finish();
    await settle();
    jest.advanceTimersByTime(1000);
    expect(task).toHaveBeenCalledTimes(2);
    finish();
    await periodic.stop();
  });

  it('logs a failure and keeps ticking, also after a task that throws before its first await', async () => {
    jest.useFakeTimers();
    const error = jest.spyOn(log, 'error');
    const task = jest.fn(() => {
      throw new Error('boom');
    });
    const periodic = every(1000, task, { name: 'scan', log });
    await settle();
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ task: 'scan', err: expect.objectContaining({ message: 'boom' }) }), 'periodic task failed');
    jest.advanceTimersByTime(1000);
    expect(task).toHaveBeenCalledTimes(2);
    await periodic.stop();
  });

  it('stop() waits for the run in hand and starts no more', async () => {
    jest.useFakeTimers();
    const { task, finish } = manualTask();
    const periodic = every(1000, task, { name: 't', log });
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
    jest.advanceTimersByTime(5000);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('runs nothing for ms <= 0', async () => {
    const task = jest.fn(async () => undefined);
    await every(0, task, { name: 't', log }).stop();
    expect(task).not.toHaveBeenCalled();
  });

  it('does not keep the process alive', async () => {
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    const periodic = every(60_000, async () => undefined, { name: 't', log });
    const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await periodic.stop();
  });
});

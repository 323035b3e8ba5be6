/** The clock as a dependency, so deadline and skew logic is testable. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class FixedClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t);
  }
  set(t: Date): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t = new Date(this.t.getTime() + ms);
  }
}

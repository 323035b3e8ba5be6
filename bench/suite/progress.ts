import { progressLine } from './stats';

/**
 * A progress bar on stderr: redrawn in place on a terminal (at most every 100 ms), one line per
 * 10% otherwise (CI logs, pipes), so stdout keeps only the results.
 */
export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastDraw = 0;
  private lastDecile = -1;
  private finished = false;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
  ) {}

  update(done: number): void {
    if (this.finished) return;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < 100 && done < this.total) return;
      this.lastDraw = now;
      process.stderr.write(`\r\x1b[2K${this.label} ${progressLine(done, this.total, this.unit)}`);
      return;
    }
    const decile = this.total > 0 ? Math.floor((Math.min(done, this.total) / this.total) * 10) : 10;
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${this.label} ${progressLine(done, this.total, this.unit)}\n`);
    }
  }

  /** Draws the final state and ends the line. */
  done(done: number, note = ''): void {
    if (this.finished) return;
    this.update(done);
    this.finished = true;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.label} ${progressLine(done, this.total, this.unit)}${note ? `  ${note}` : ''}\n`);
    else if (note) process.stderr.write(`${this.label} ${note}\n`);
  }
}

/** A status line on stderr (setup steps), so stdout carries only the results. */
export function say(message: string): void {
  process.stderr.write(`bench | ${message}\n`);
}

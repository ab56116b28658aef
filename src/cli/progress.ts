import { SingleBar } from "cli-progress";

/** A progress bar on stderr: count, rate and ETA (cli-progress). */
export class Progress {
  private readonly bar: SingleBar;
  private value = 0;
  private started = 0;
  private startValue = 0;

  constructor(unit: string) {
    this.bar = new SingleBar({
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {speed}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    });
  }

  /** Shows the bar at `value` of `total`. */
  start(total: number, value: number): void {
    this.value = value;
    this.startValue = value;
    this.started = performance.now();
    this.bar.start(total, value, { speed: 0 });
  }

  /** Moves the bar to `value`, with the rate since start. */
  update(value: number): void {
    this.value = value;
    const seconds = (performance.now() - this.started) / 1000;
    const speed = seconds > 0 ? Math.round((value - this.startValue) / seconds) : 0;
    this.bar.update(value, { speed });
  }

  /** Moves the bar `by` further. */
  increment(by: number): void {
    this.update(this.value + by);
  }

  /** Stops the bar. */
  stop(): void {
    this.bar.stop();
  }
}

/**
 * A progress bar counting `unit`s on stderr, or `undefined` when `show` is false (not a terminal,
 * or `--json`).
 */
export function progressBar(show: boolean, unit: string): Progress | undefined {
  return show ? new Progress(unit) : undefined;
}

/**
 * Progress of a training run on stderr: a bar with loss, tokens/s and ETA on a terminal
 * (cli-progress), plain periodic lines otherwise (logs, CI), nothing with --json.
 */
import { SingleBar } from 'cli-progress';
import type { Progress } from '../training/trainer.js';
import { formatDuration } from '../training/duration.js';

/** Receives progress events and finishes the display. */
export interface ProgressDisplay {
  update(p: Progress): void;
  stop(): void;
}

/** Seconds between plain lines when stderr is not a terminal. */
const LINE_INTERVAL = 10;

/** A display for the current stderr (`quiet`: none). */
export function progressDisplay(quiet: boolean): ProgressDisplay {
  if (quiet) return { update: () => {}, stop: () => {} };
  return process.stderr.isTTY ? barDisplay() : lineDisplay();
}

function fields(p: Progress): Record<string, string> {
  return {
    step: String(p.step),
    loss: Number.isFinite(p.smoothedLoss) ? p.smoothedLoss.toFixed(4) : '—',
    speed: Math.round(p.tokensPerSecond).toLocaleString('en-US'),
    eta: formatDuration(p.etaSeconds),
    elapsed: formatDuration(p.elapsedSeconds),
  };
}

function barDisplay(): ProgressDisplay {
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{bar} {percentage}% | step {step} | loss {loss} | {speed} tok/s | {elapsed} elapsed, ETA {eta}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(p) {
      const value = Math.round(p.fraction * 1000);
      if (!started) {
        bar.start(1000, value, fields(p));
        started = true;
      } else {
        bar.update(value, fields(p));
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function lineDisplay(): ProgressDisplay {
  let lastLine = -Infinity;
  let last: Progress | undefined;
  const print = (p: Progress): void => {
    const f = fields(p);
    process.stderr.write(
      `step ${f.step} (${Math.round(p.fraction * 100)}%) loss ${f.loss} ` + `${f.speed} tok/s elapsed ${f.elapsed} ETA ${f.eta}\n`,
    );
    lastLine = p.elapsedSeconds;
  };
  return {
    update(p) {
      last = p;
      if (p.elapsedSeconds - lastLine >= LINE_INTERVAL) print(p);
    },
    stop() {
      if (last !== undefined && last.elapsedSeconds !== lastLine) print(last);
    },
  };
}

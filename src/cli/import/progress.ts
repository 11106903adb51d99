/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines (at most every 10% or 5 s) when
 * stderr is a file or a pipe (CI logs).
 */
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function createProgress(
  stream: { write(text: string): unknown; isTTY?: boolean },
  label: string,
  now: () => number = () => Date.now(),
): Progress {
  const started = now();
  let lastLine = -Infinity;
  let lastPct = -1;
  let drawn = false;
  return {
    update(done, total) {
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      const secs = (now() - started) / 1000;
      const rate = secs > 0 ? Math.round(done / secs) : 0;
      if (stream.isTTY) {
        const width = 30;
        const fill = Math.round((pct / 100) * width);
        stream.write(`\r${label} [${"█".repeat(fill)}${"░".repeat(width - fill)}] ${done}/${total} ${pct}% ${rate}/s`);
        drawn = true;
      } else if (pct >= lastPct + 10 || now() - lastLine >= 5000 || done === total) {
        if (pct === lastPct && done !== total) return;
        stream.write(`${label}: ${done}/${total} (${pct}%)\n`);
        lastPct = pct;
        lastLine = now();
      }
    },
    finish() {
      if (drawn) stream.write("\n");
    },
  };
}

// Open-loop load for bench/soak.ts, alone in its process: pushes at a fixed rate
// (as Lark does: it does not wait for one answer before the next push) over
// keep-alive HTTP, each timed from the moment it was due, whatever the server does.
// IPC in: {type:'job', ...SoakLoadJob}. Out: {type:'result', ...SoakLoadResult}.
import { buildSignedPushes, type LarkApp, type MessageSpec } from './webhook-events';

export interface SoakLoadJob {
  url: string;
  rate: number;
  seconds: number;
  /** Load before measuring (not counted). */
  warmupSeconds: number;
  app: LarkApp;
  specs: MessageSpec[];
  runId: string;
}

export interface Window {
  fromS: number;
  p99: number;
  max: number;
}

export interface SoakLoadResult {
  sent: number;
  ok: number;
  failed: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** Acks slower than Lark's 3 s: Lark would push these again. */
  over3s: number;
  windows: Window[];
  /** What went wrong with the pushes that were not answered 200, and how often. */
  errors: Record<string, number>;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;

const job = await new Promise<SoakLoadJob>((resolve) =>
  process.once('message', (m: { type: string } & SoakLoadJob) => resolve(m)),
);
const total = job.rate * (job.seconds + job.warmupSeconds);
const pushes = buildSignedPushes(job.app, job.specs, total, job.runId);
const samples: { at: number; ms: number; ok: boolean }[] = [];
const start = performance.now();
let issued = 0;
const inflight = new Set<Promise<void>>();
const errors = new Map<string, number>();

function push(i: number, due: number) {
  const p = pushes[i];
  const request = fetch(`${job.url}/webhooks/lark`, {
    method: 'POST',
    headers: p.headers,
    body: p.body,
    signal: AbortSignal.timeout(10_000),
  })
    .then(async (r) => {
      await r.arrayBuffer();
      if (r.status !== 200) errors.set(`HTTP ${r.status}`, (errors.get(`HTTP ${r.status}`) ?? 0) + 1);
      samples.push({ at: due - start, ms: performance.now() - due, ok: r.status === 200 });
    })
    .catch((error: unknown) => {
      errors.set(String(error), (errors.get(String(error)) ?? 0) + 1);
      samples.push({ at: due - start, ms: performance.now() - due, ok: false });
    });
  const tracked = request.finally(() => inflight.delete(tracked));
  inflight.add(tracked);
}

await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const elapsed = performance.now() - start;
    const due = Math.min(total, Math.floor((elapsed / 1000) * job.rate));
    for (; issued < due; issued++) push(issued, start + (issued / job.rate) * 1000);
    if (issued >= total) {
      clearInterval(timer);
      resolve();
    }
  }, 2);
});
await Promise.all([...inflight]);

// Measured from the end of the warm-up, times relative to it.
const measured = samples
  .filter((s) => s.at >= job.warmupSeconds * 1000)
  .map((s) => ({ ...s, at: s.at - job.warmupSeconds * 1000 }));
const sorted = measured.map((s) => s.ms).sort((a, b) => a - b);
const windows: Window[] = [];
for (let from = 0; from < job.seconds; from += 10) {
  const w = measured
    .filter((s) => s.at >= from * 1000 && s.at < (from + 10) * 1000)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  windows.push({ fromS: from, p99: quantile(w, 0.99), max: w.at(-1) ?? 0 });
}
const result: SoakLoadResult = {
  sent: measured.length,
  ok: measured.filter((s) => s.ok).length,
  failed: measured.filter((s) => !s.ok).length,
  latencyMs: { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
  over3s: measured.filter((s) => s.ms > 3000).length,
  windows,
  errors: Object.fromEntries(errors),
};
process.send!({ type: 'result', ...result }, () => process.exit(0));

// The load generator, alone in its process (forked by bench/webhook.ts) so its
// CPU is not the server's. Builds every push up front (all crypto happens here,
// before the clock starts), then drives autocannon over keep-alive connections,
// cycling through the pushes: a warm-up run, a pause while the parent reads the
// server's CPU counter, then the measured run.
// IPC in: {type:'job', ...LoadJob}, later {type:'go'}. Out: {type:'built'}, {type:'measure'}, {type:'result', ...LoadResult}.
import { createRequire } from 'node:module';
import { buildSignedPushes, type LarkApp, type MessageSpec } from './webhook-events';

export interface LoadJob {
  url: string;
  path: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  app: LarkApp;
  specs: MessageSpec[];
  /** A fixed number of pushes instead of a duration (warm-up, measured run). */
  amounts?: { warmup: number; measured: number };
  /** Requests per second over all connections (open pacing, as a platform pushes); unset: as fast as answered. */
  overallRate?: number;
  /** Distinct pushes to build; the load cycles through them. */
  events: number;
  runId: string;
}

export interface LoadResult {
  durationSeconds: number;
  ok: number;
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; max: number };
  /**
   * Seconds from the measured run's first push sent to its last answer received, to the millisecond.
   * autocannon's own `duration` counts whole seconds of its ticker, so two servers whose last answers
   * came 0.1 s apart could differ by a whole second (10 % of a 10 s burst).
   */
  answeredSeconds: number;
  /**
   * Answers received in each whole second from the measured run's first push. With `overallRate`,
   * autocannon sends each second's share per connection back to back from its ticker, so a server
   * that keeps up answers the whole share within that second; `answeredSeconds` adds the last
   * second's time to drain its queue, which is latency, not throughput.
   */
  perSecond: number[];
  /** Pushes handed to autocannon over warm-up and measurement; more than `events` means bodies repeated. */
  issued: number;
  buildMs: number;
}

// autocannon ships no types; the few fields used here.
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: Record<string, number>;
}
interface RequestParams {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  overallRate?: number;
  pipelining: number;
  timeout: number;
  requests: {
    method: string;
    path: string;
    setupRequest(req: RequestParams): RequestParams;
    onResponse(status: number): void;
  }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function nextMessage<T extends { type: string }>(type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
}

const job = await nextMessage<{ type: 'job' } & LoadJob>('job');
const started = performance.now();
const pushes = buildSignedPushes(job.app, job.specs, job.events, job.runId);
const buildMs = performance.now() - started;
process.send!({ type: 'built' });

let issued = 0;
let firstSentAt: number | undefined;
let lastAnsweredAt = 0;
const perSecond: number[] = [];
const requests = [
  {
    method: 'POST',
    path: job.path,
    setupRequest(req: RequestParams): RequestParams {
      firstSentAt ??= performance.now();
      const push = pushes[issued++ % pushes.length];
      return { ...req, method: 'POST', path: job.path, headers: push.headers, body: push.body };
    },
    onResponse() {
      lastAnsweredAt = performance.now();
      if (firstSentAt !== undefined) {
        const second = Math.floor((lastAnsweredAt - firstSentAt) / 1000);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
      }
    },
  },
];
const run = (duration: number, amount?: number) =>
  autocannon({
    url: job.url,
    connections: job.connections,
    ...(amount ? { amount } : { duration }),
    ...(job.overallRate ? { overallRate: job.overallRate } : {}),
    pipelining: 1,
    timeout: 10,
    requests,
  });

if (job.amounts?.warmup !== 0) await run(job.warmupSeconds, job.amounts?.warmup);
process.send!({ type: 'measure' });
await nextMessage('go');
firstSentAt = undefined;
perSecond.length = 0;
const result = await run(job.durationSeconds, job.amounts?.measured);
const statusCounts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
const summary: LoadResult = {
  durationSeconds: result.duration,
  ok: statusCounts['200'] ?? 0,
  statusCounts,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  answeredSeconds: (lastAnsweredAt - (firstSentAt ?? lastAnsweredAt)) / 1000,
  perSecond: Array.from(perSecond, (n) => n ?? 0),
  issued,
  buildMs,
};
process.send!({ type: 'result', ...summary }, () => process.exit(0));

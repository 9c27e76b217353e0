// The least CPU one delivered reply can cost on this machine: a forked child sends SEND_FLOOR_SENDS
// plain-text messages to the Lark emulator with node:http alone (a keep-alive agent, no SDK, no
// storage, no Response object), ten every 230 ms as the outbox paces Lark's 50/s
// (src/outbox/rate-limit.ts), and reports its own CPU per send. bench/webhook.ts sets goal 1's
// ratio beside it: a fully handled event receives one push and sends one reply, so the SDK
// dispatcher's receive plus this send is the floor of "CPU per event incl. delivery".
import { Agent, request } from 'node:http';

export interface SendFloorJob {
  type: 'job';
  url: string;
  appId: string;
  appSecret: string;
  sends: number;
}

export interface SendFloorResult {
  type: 'result';
  cpuUsPerSend: number;
  failed: number;
}

const BURST = 10;
const BURST_EVERY_MS = 230;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; json: unknown }> {
  const bytes = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': `${bytes.length}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

async function run(job: SendFloorJob): Promise<SendFloorResult> {
  // https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal
  const auth = await post(
    new URL('/open-apis/auth/v3/tenant_access_token/internal', job.url),
    {},
    JSON.stringify({ app_id: job.appId, app_secret: job.appSecret }),
  );
  const token = (auth.json as { tenant_access_token?: string }).tenant_access_token;
  if (!token) throw new Error(`send floor: no token from the emulator (${JSON.stringify(auth.json)})`);
  // https://open.feishu.cn/document/server-docs/im-v1/message/create
  const messages = new URL('/open-apis/im/v1/messages?receive_id_type=open_id', job.url);
  let failed = 0;
  let n = 0;
  const send = async () => {
    const i = n++;
    const { status } = await post(
      messages,
      { authorization: `Bearer ${token}` },
      JSON.stringify({
        receive_id: `ou_floor_${i % 50}`,
        msg_type: 'text',
        content: JSON.stringify({ text: `floor ${i}` }),
        uuid: `floor-${process.pid}-${i}`,
      }),
    );
    if (status !== 200) failed++;
  };
  const bursts = async (count: number) => {
    for (let sent = 0; sent < count; sent += BURST) {
      await Promise.all(Array.from({ length: Math.min(BURST, count - sent) }, send));
      await new Promise((resolve) => setTimeout(resolve, BURST_EVERY_MS));
    }
  };
  await bursts(40); // the JIT, the socket pool
  const start = process.cpuUsage();
  await bursts(job.sends);
  const used = process.cpuUsage(start);
  return { type: 'result', cpuUsPerSend: (used.user + used.system) / job.sends, failed };
}

process.once('message', async (job: SendFloorJob) => {
  try {
    process.send?.(await run(job));
  } finally {
    agent.destroy();
    process.disconnect?.();
  }
});

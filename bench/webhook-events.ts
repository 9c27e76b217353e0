// Signed, encrypted `im.message.receive_v1` pushes, built ahead of the load
// with node:crypto (synchronous) so the load generator does no crypto while it
// runs. Same envelope and event shape as bots/lark/emulator.ts; same encryption
// (AES-256-CBC, key = sha256(Encrypt Key), base64(iv ‖ ciphertext)) and signature
// (hex sha256(timestamp + nonce + Encrypt Key + raw body)) as Lark.
// https://open.feishu.cn/document/server-docs/event-subscription-guide/event-subscription-configure-/encrypt-key-encryption-configuration-case
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export interface LarkApp {
  appId: string;
  verificationToken: string;
  encryptKey: string;
  tenantKey: string;
}

/** Who says what: one chat message the bench will send, many times over with fresh event ids. */
export interface MessageSpec {
  openId: string;
  text: string;
}

export interface SignedPush {
  body: string;
  headers: Record<string, string>;
}

function larkIds(openId: string) {
  const suffix = openId.replace(/^ou_/, '');
  return { open_id: openId, user_id: `u_${suffix}`, union_id: `on_${suffix}` };
}

function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/**
 * `count` pushes cycling through `specs`, each with its own event_id and
 * message_id (`${runId}_${i}`) so a deduplicating server treats every one as new.
 * The timestamp is now: the bench finishes well inside the server's 5-minute window.
 */
export function buildSignedPushes(app: LarkApp, specs: MessageSpec[], count: number, runId: string): SignedPush[] {
  const key = createHash('sha256').update(app.encryptKey).digest();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const chatIds = new Map(specs.map((s) => [s.openId, `oc_${createHash('md5').update(s.openId).digest('hex')}`]));
  const pushes: SignedPush[] = [];
  for (let i = 0; i < count; i++) {
    const spec = specs[i % specs.length];
    const createTime = String(Date.now());
    const envelope = {
      schema: '2.0',
      header: {
        event_id: `${runId}_ev_${i}`,
        event_type: 'im.message.receive_v1',
        create_time: createTime,
        token: app.verificationToken,
        app_id: app.appId,
        tenant_key: app.tenantKey,
      },
      event: {
        sender: { sender_id: larkIds(spec.openId), sender_type: 'user', tenant_key: app.tenantKey },
        message: {
          message_id: `om_${runId}_${i}`,
          root_id: '',
          parent_id: '',
          create_time: createTime,
          update_time: createTime,
          chat_id: chatIds.get(spec.openId)!,
          chat_type: 'p2p',
          message_type: 'text',
          content: JSON.stringify({ text: spec.text }),
        },
      },
    };
    const body = JSON.stringify({ encrypt: encrypt(key, JSON.stringify(envelope)) });
    const nonce = randomBytes(12).toString('hex');
    const signature = createHash('sha256')
      .update(timestamp + nonce + app.encryptKey)
      .update(body)
      .digest('hex');
    pushes.push({
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Go-http-client/1.1',
        'x-lark-request-timestamp': timestamp,
        'x-lark-request-nonce': nonce,
        'x-lark-signature': signature,
      },
    });
  }
  return pushes;
}

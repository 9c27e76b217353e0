// Shared pieces of the security suite (test/security/NN-*.test.ts): requests built the
// way an attacker or the real platform would build them, sent over real HTTP.
import { request } from 'node:http';
import { encryptLarkPayload } from '../../bots/lark/crypto';
import { larkSignature } from '../../bots/lark/verify';

export interface RawResponse {
  status: number;
  body: string;
}

/**
 * POSTs `body` with Transfer-Encoding: chunked (no Content-Length), `chunkBytes` at a time,
 * so the server cannot know the size up front. Resolves with the answer even when the
 * server stops reading early and closes the connection under the upload.
 */
export function postChunked(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  chunkBytes = 64 * 1024,
): Promise<RawResponse & { sentBytes: number }> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    // A fresh connection each time: after refusing a body the server may close the connection it came on.
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, sentBytes }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      // The server may close the socket once it has answered; that is its right.
      if (!answered) reject(error);
    });
    const pump = () => {
      while (sentBytes < bytes.length && !answered) {
        const chunk = bytes.subarray(sentBytes, sentBytes + chunkBytes);
        sentBytes += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** A Lark im.message.receive_v1 event, encrypted and signed exactly as Lark sends it. */
export async function signedLarkMessage(input: {
  encryptKey: string;
  verificationToken: string;
  appId: string;
  eventId: string;
  openId: string;
  text: string;
  /** Replaces the message content (e.g. a deeply nested value). */
  content?: string;
  now?: Date;
  tenantKey?: string;
  /** JSON text spliced into the event as `extra` (for values too deep to JSON.stringify here). */
  rawExtra?: string;
}): Promise<{ body: string; headers: Record<string, string> }> {
  const now = input.now ?? new Date();
  const payload = {
    schema: '2.0',
    header: {
      event_id: input.eventId,
      event_type: 'im.message.receive_v1',
      token: input.verificationToken,
      app_id: input.appId,
      tenant_key: input.tenantKey ?? 'tenant_emulator',
      create_time: String(now.getTime()),
    },
    event: {
      sender: { sender_id: { open_id: input.openId }, sender_type: 'user' },
      message: {
        message_id: `om_${input.eventId}`,
        chat_id: 'oc_security',
        chat_type: 'p2p',
        message_type: 'text',
        content: input.content ?? JSON.stringify({ text: input.text }),
      },
    },
  };
  let plain = JSON.stringify(payload);
  if (input.rawExtra !== undefined) plain = `${plain.slice(0, -1)},"extra":${input.rawExtra}}`;
  const body = JSON.stringify({ encrypt: await encryptLarkPayload(input.encryptKey, plain) });
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = 'security-suite';
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': await larkSignature(timestamp, nonce, input.encryptKey, body),
    },
  };
}

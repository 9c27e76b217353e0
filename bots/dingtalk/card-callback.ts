// DingTalk HTTP-mode card callbacks (互动卡片回传请求, HTTP 模式).
//
// What DingTalk documents (https://open.dingtalk.com/document/orgapp/event-callback-card and the
// card_1_0 typings of @alicloud/dingtalk, RegisterCallbackRequest / CreateAndDeliverRequest):
// - the app registers a URL under a `callbackRouteKey` with POST /v1.0/card/callbacks/register
//   {callbackRouteKey, callbackUrl, apiSecret?, forceUpdate?}; one key maps to one URL;
// - a card created with callbackType "HTTP" and that callbackRouteKey has its clicks POSTed to
//   the URL as plain JSON {outTrackId, corpId, userId, content, value, spaceType, spaceId, ...},
//   the same data Stream mode delivers on /v1.0/card/instances/callback; the console's event
//   subscription does not apply to cards;
// - the answer may carry the card's new data ({cardData: {cardParamMap}, cardUpdateOptions}).
//
// What the docs leave open, and what Polaris does about it:
// - how `apiSecret` is presented on a callback is not documented (the typings only say
//   "加密密钥用于校验来源"). Polaris registers a strong one, derived from the client secret, but does
//   not rely on it: every callback must carry the unguessable token Polaris put into the
//   registered URL's query (`?token=`), compared in constant time. Without it: 401, nothing stored.
// - the answer deadline is not documented for HTTP card callbacks; Polaris answers within the
//   adapter's budget (1.2 s) and lets slower work finish, the card then updated through
//   PUT /v1.0/card/instances by the outbox as well.
import { z } from 'zod';
import { bytesToHex, utf8 } from '../common/bytes';
import { cryptoProvider } from '../common/crypto-provider';
import type { Card } from '../../cards/model';
import { renderCardParamMap } from './render';

export const CARD_CALLBACK_SUBPATH = '/card';

/** The route key when DINGTALK_CARD_CALLBACK_ROUTE_KEY is unset: one per app, so two apps never share a URL. */
export function defaultCardCallbackRouteKey(clientId: string): string {
  return `polaris_${clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64);
}

/** hex(HMAC-SHA256(clientSecret, purpose)): a per-app secret nobody can guess without the client secret. */
export async function deriveCallbackSecret(clientSecret: string, purpose: string): Promise<string> {
  return bytesToHex(await cryptoProvider().hmacSha256(utf8(clientSecret), utf8(purpose))).slice(0, 48);
}

export function cardCallbackUrl(publicUrl: string, token: string): string {
  const url = new URL(`${publicUrl.replace(/\/$/, '')}/webhooks/dingtalk${CARD_CALLBACK_SUBPATH}`);
  url.searchParams.set('token', token);
  return url.toString();
}

/** The plain-JSON body of an HTTP-mode card click (what Stream mode carries in a frame's `data`). */
export const HttpCardCallbackSchema = z.object({
  // Stream frames carry type "actionCallback"; the HTTP body may omit it.
  type: z.literal('actionCallback').optional(),
  outTrackId: z.string().min(1),
  userId: z.string().min(1),
  corpId: z.string().optional(),
  content: z.string(),
  value: z.string().optional(),
  spaceType: z.string().optional(),
  spaceId: z.string().optional(),
});

/** The callback answer that replaces the card's data (full replace, like the PUT the outbox sends). */
export function cardCallbackAnswer(card: Card | undefined): Record<string, unknown> {
  if (!card) return {};
  return { cardData: { cardParamMap: renderCardParamMap(card) }, cardUpdateOptions: { updateCardDataByKey: false } };
}

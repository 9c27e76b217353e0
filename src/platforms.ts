// The adapters this server runs: one per platform whose credentials are set.
import type { PlatformAdapter } from '../bots/types';
import { createLarkAdapter } from '../bots/lark';
import { createWecomAdapter } from '../bots/wecom';
import { createDingtalkAdapter } from '../bots/dingtalk';
import type { Config } from './config';

/** `fetch`: the runtime's HTTP client for platform calls (Node: src/node/http-fetch.ts; default the global fetch). */
export function createAdapters(config: Config, options: { fetch?: typeof fetch } = {}): PlatformAdapter[] {
  const adapters: PlatformAdapter[] = [];
  const fetch = options.fetch ? { fetch: options.fetch } : {};
  if (config.lark) adapters.push(createLarkAdapter(config.lark, fetch));
  if (config.wecom) adapters.push(createWecomAdapter(config.wecom, fetch));
  if (config.dingtalk) adapters.push(createDingtalkAdapter(config.dingtalk, fetch));
  return adapters;
}

// The adapters this server runs: one per platform whose credentials are set.
import type { PlatformAdapter } from '../bots/types';
import { createLarkAdapter } from '../bots/lark';
import { createWecomAdapter } from '../bots/wecom';
import { createDingtalkAdapter } from '../bots/dingtalk';
import type { Config } from './config';

export function createAdapters(config: Config): PlatformAdapter[] {
  const adapters: PlatformAdapter[] = [];
  if (config.lark) adapters.push(createLarkAdapter(config.lark));
  if (config.wecom) adapters.push(createWecomAdapter(config.wecom));
  if (config.dingtalk) adapters.push(createDingtalkAdapter(config.dingtalk));
  return adapters;
}

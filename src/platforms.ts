// The adapters this server runs: one per platform whose credentials are set.
// (Adapters are registered here as they land.)
import type { PlatformAdapter } from '../bots/types';
import type { Config } from './config';

export function createAdapters(_config: Config): PlatformAdapter[] {
  const adapters: PlatformAdapter[] = [];
  return adapters;
}

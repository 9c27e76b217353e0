// Small shared facts for rule evaluation: an org's time zone and its UTC offset now.
import { pickTimezone, tzOffsetMs } from '../../core/time';
import type { Organization } from '../../storage/repos/types';
import type { Config } from '../config';

export function orgTimeZoneOf(org: Pick<Organization, 'settings'>, config: Pick<Config, 'defaultTimezone'>): string {
  return pickTimezone(org.settings?.timezone, config.defaultTimezone, 'Asia/Shanghai');
}

export function orgOffsetMs(timeZone: string, now: Date): number {
  return tzOffsetMs(now, timeZone);
}

// What a platform directory looks like to Polaris: the snapshot the fetchers in
// bots/<platform>/directory.ts produce and src/directory/sync.ts reconciles.
import type { Platform } from './types';

export interface DirectoryDepartment {
  /** The platform's department id (Lark open_department_id, WeCom/DingTalk numeric id as text). */
  id: string;
  name: string;
  /** Null for the root (the company itself). */
  parentId: string | null;
  /** Platform user ids of the department's leaders, main leader first. */
  leaderIds: string[];
}

export interface DirectoryUser {
  /** The id the platform puts on messages from this user: Lark open_id, WeCom userid, DingTalk userid. */
  userId: string;
  name: string;
  email?: string | null;
  mobile?: string | null;
  employeeNo?: string | null;
  title?: string | null;
  /** Department ids, the main department first. */
  departmentIds: string[];
  /** The platform's explicit leader (Lark leader_user_id, WeCom direct_leader[0], DingTalk manager_userid). */
  leaderUserId?: string | null;
  /** False for resigned, frozen or otherwise disabled accounts. */
  active: boolean;
}

export interface DirectorySnapshot {
  platform: Platform;
  departments: DirectoryDepartment[];
  users: DirectoryUser[];
}

export interface DirectoryProgress {
  phase: 'departments' | 'people';
  done: number;
  total: number;
}

export class DirectoryFetchError extends Error {
  constructor(
    message: string,
    readonly code: number | string,
    /** True when the app lacks a permission the admin must grant. */
    readonly permission = false,
  ) {
    super(message);
  }
}

export interface FetchedDirectory extends DirectorySnapshot {
  /** HTTP requests made, retries included. */
  apiCalls: number;
  retries: number;
}

/** What a platform's directory change event says changed (the ids are the platform's own). */
export type DirectoryChangeKind =
  | 'user_created'
  | 'user_updated'
  | 'user_deleted'
  | 'department_created'
  | 'department_updated'
  | 'department_deleted';

export interface DirectoryChange {
  platform: Platform;
  /** The tenant the event came from (Lark tenant_key, WeCom corp id, DingTalk corpId). */
  tenantKey?: string;
  kind: DirectoryChangeKind;
  userIds: string[];
  departmentIds: string[];
}

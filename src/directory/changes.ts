// Directory change events (Lark contact.user.*_v3 / contact.department.*_v3, WeCom
// change_contact, DingTalk user_*_org / org_dept_*), applied within seconds: the
// adapter acknowledges the event at once and hands it here; the org it belongs to
// (its tenant's binding, storage/repos/tenants.ts) is re-synced from that platform
// in the background by the same engine as a full sync (src/directory/sync.ts), so a
// change applies every mapping rule (managers of the whole department, a leader
// leaving, a move), leaves the org consistent if the read fails halfway (one atomic
// write, or none), and a duplicate or already-applied event writes nothing. Events
// arriving while a sync runs are coalesced into one more sync after it. People a
// change event brings in are welcomed with a card (the playground's new hire).
import type { Clock } from '../../core/clock';
import type { DirectoryChange } from '../../core/directory';
import { log } from '../../core/log';
import type { Platform } from '../../core/types';
import type { Store } from '../../storage/db';
import { orgOfTenant } from '../../storage/repos/tenants';
import { organizations } from '../../storage/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { buildWelcomeCard } from '../../cards/welcome';
import { addressRecipientKey, outboxRowInsert } from '../../storage/outbox-rows';
import { people } from '../../storage/schema';
import type { Config } from '../config';
import { DirectoryWrongTenant, runDirectorySync } from './run';
import type { SyncSummary } from './sync';

export interface DirectoryChangesDeps {
  store: Store;
  config: Config;
  clock: Clock;
  defer(work: Promise<unknown>): void;
  /** After each sync a change caused (welcome cards, tests). */
  onSynced?(org: { id: string; name: string }, summary: SyncSummary, change: DirectoryChange): Promise<void> | void;
  fetch?: typeof fetch;
  /** Messages were queued (welcome cards): deliver them. */
  kick?(): void;
}

export interface DirectoryChanges {
  /** An adapter received a directory change: re-sync its org from that platform soon. */
  changed(change: DirectoryChange): void;
  /** Resolves when every sync started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

export function createDirectoryChanges(deps: DirectoryChangesDeps): DirectoryChanges {
  const running = new Map<string, Promise<void>>();
  const pending = new Map<string, DirectoryChange>();

  async function syncOnce(orgId: string, platform: Platform, change: DirectoryChange): Promise<void> {
    const [org] = await deps.store.db.select().from(organizations).where(eq(organizations.id, orgId));
    if (!org) return;
    try {
      const created: { personId: string; platformUserId: string }[] = [];
      const summary = await runDirectorySync(deps.store, deps.config, org, platform, {
        clock: deps.clock,
        fetch: deps.fetch,
        created,
      });
      if (created.length) await welcome(org, platform, created);
      log.info('directory change applied', {
        org: org.slug,
        platform,
        change: change.kind,
        people_created: summary.people_created,
        people_updated: summary.people_updated,
        people_deactivated: summary.people_deactivated,
        writes: summary.writes,
      });
      await deps.onSynced?.(org, summary, change);
    } catch (err) {
      if (err instanceof DirectoryWrongTenant) {
        log.warn('directory change ignored: the credentials do not serve this org', { platform, err });
        return;
      }
      // The org is as it was (the sync writes atomically); the daily directory-sync job heals it.
      log.warn('directory change could not be applied; the daily directory-sync will retry', { platform, err });
    }
  }

  /** One welcome card per person a change event brought in, queued once (the row id is per person). */
  async function welcome(
    org: { id: string; name: string },
    platform: Platform,
    created: { personId: string; platformUserId: string }[],
  ) {
    const rows = await deps.store.db
      .select()
      .from(people)
      .where(
        and(
          eq(people.orgId, org.id),
          inArray(
            people.id,
            created.map((c) => c.personId),
          ),
        ),
      );
    const managers = new Map(
      (
        await deps.store.db
          .select({ id: people.id, name: people.name })
          .from(people)
          .where(
            and(
              eq(people.orgId, org.id),
              inArray(
                people.id,
                rows.map((r) => r.managerId).filter((m): m is string => !!m),
              ),
            ),
          )
      ).map((m) => [m.id, m.name]),
    );
    const now = deps.clock.now();
    const statements = created.flatMap(({ personId, platformUserId }) => {
      const person = rows.find((r) => r.id === personId);
      if (person?.status !== 'active') return [];
      const to = { platform, kind: 'user' as const, id: platformUserId };
      const card = buildWelcomeCard({
        name: person.name,
        orgName: org.name,
        managerName: person.managerId ? managers.get(person.managerId) : null,
        locale: person.locale === 'en' ? 'en' : 'zh-CN',
      });
      return [
        outboxRowInsert(deps.store, {
          id: `welcome_${personId}`.slice(0, 50),
          orgId: org.id,
          platform,
          operation: 'send',
          target: to,
          payload: { card },
          subject: 'directory.welcome',
          recipientKey: addressRecipientKey(to),
          now,
        }).onConflictDoNothing(),
      ];
    });
    if (!statements.length) return;
    await deps.store.atomic(statements);
    deps.kick?.();
  }

  function start(key: string, orgId: string, platform: Platform, change: DirectoryChange) {
    const work = (async () => {
      let next: DirectoryChange | undefined = change;
      while (next) {
        pending.delete(key);
        await syncOnce(orgId, platform, next);
        next = pending.get(key);
      }
    })().finally(() => running.delete(key));
    running.set(key, work);
    deps.defer(work);
  }

  return {
    changed(change) {
      const work = (async () => {
        const orgId = await orgOfTenant(deps.store, change.platform, change.tenantKey);
        if (!orgId) {
          log.warn('directory change from a tenant bound to no org: ignored', { platform: change.platform });
          return;
        }
        const key = `${orgId}:${change.platform}`;
        if (running.has(key)) pending.set(key, change);
        else start(key, orgId, change.platform, change);
      })();
      deps.defer(work);
    },
    async idle() {
      for (let i = 0; i < 20 && running.size; i++) await Promise.allSettled([...running.values()]);
    },
  };
}

// Self-service binding: a message from a platform user with no identity makes
// Polaris look the user up in the platform directory and, when exactly one
// active person of the org matches by employee number, e-mail or mobile (and
// has no identity on that platform yet), bind the identity and carry on with
// the original message. No match leaves today's "ask your admin" answer and its
// audit entry, which GET /api/v1/directory/unmatched lists.
import { and, eq } from 'drizzle-orm';
import type { BotEvent } from '../../bots/types';
import type { Clock } from '../../core/clock';
import { log } from '../../core/log';
import type { DirectoryUser } from '../../core/directory';
import type { Store } from '../../storage/db';
import { auditStatement } from '../../storage/repos/audit';
import { setIdentityStatements } from '../../storage/repos/people';
import { identities, organizations, people, platformTenants } from '../../storage/schema';
import type { OrgRow, PersonRow } from '../chat/context';
import type { Config } from '../config';
import { fetchPlatformUser } from '../platforms-directory';

export interface SelfBindDeps {
  store: Store;
  config: Config;
  clock: Clock;
  fetch?: typeof fetch;
}

/** The org an event belongs to: its tenant's binding, else the only org of a single-company install. */
async function eventOrg(store: Store, event: BotEvent): Promise<OrgRow | undefined> {
  if (event.tenantKey) {
    const [row] = await store.db
      .select({ org: organizations })
      .from(platformTenants)
      .innerJoin(organizations, eq(organizations.id, platformTenants.orgId))
      .where(and(eq(platformTenants.platform, event.platform), eq(platformTenants.tenantKey, event.tenantKey)));
    if (row) return row.org;
    const bound = await store.db
      .select({ orgId: platformTenants.orgId })
      .from(platformTenants)
      .where(eq(platformTenants.platform, event.platform))
      .limit(1);
    if (bound.length) return undefined; // another company's tenant: never bind into an org it does not belong to
  }
  const orgs = await store.db.select().from(organizations).limit(2);
  return orgs.length === 1 ? orgs[0] : undefined;
}

async function lookUp(deps: SelfBindDeps, event: BotEvent): Promise<DirectoryUser | undefined> {
  return fetchPlatformUser(deps.config, event.platform, event.sender.platformUserId, {
    fetch: deps.fetch,
    // An unknown sender is waiting for an answer: one quick retry at most.
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 500))),
  });
}

export function createSelfBinder(deps: SelfBindDeps) {
  return async function selfBind(event: BotEvent): Promise<{ org: OrgRow; person: PersonRow } | undefined> {
    const { store } = deps;
    const org = await eventOrg(store, event);
    if (!org) return undefined;
    let user: DirectoryUser | undefined;
    try {
      user = await lookUp(deps, event);
    } catch (err) {
      log.warn('directory lookup of an unknown sender failed', { platform: event.platform, err });
      return undefined;
    }
    if (!user?.active) return undefined;
    const candidates = await store.db
      .select()
      .from(people)
      .where(and(eq(people.orgId, org.id), eq(people.status, 'active')));
    const taken = new Set(
      (
        await store.db
          .select({ personId: identities.personId })
          .from(identities)
          .where(and(eq(identities.orgId, org.id), eq(identities.platform, event.platform)))
      ).map((r) => r.personId),
    );
    const free = candidates.filter((p) => !taken.has(p.id));
    const email = user.email?.trim().toLowerCase();
    const mobile = user.mobile?.replace(/[\s-]/g, '');
    // Employee number first (the strongest key), then e-mail, then mobile; a tie is no match.
    const tries: ((p: PersonRow) => boolean)[] = [
      (p) => !!user.employeeNo && p.externalId === user.employeeNo,
      (p) => !!email && p.email?.toLowerCase() === email,
      (p) => !!mobile && p.mobile?.replace(/[\s-]/g, '') === mobile,
    ];
    let person: PersonRow | undefined;
    for (const test of tries) {
      const hits = free.filter(test);
      if (hits.length === 1) {
        person = hits[0];
        break;
      }
      if (hits.length > 1) return undefined;
    }
    const now = deps.clock.now();
    if (!person) {
      // Known to the directory but to nobody here: the admin sees them, with their name, in /directory/unmatched.
      await store.atomic([
        auditStatement(store, {
          orgId: org.id,
          actorType: 'platform',
          actorId: `${event.platform}:${event.sender.platformUserId}`,
          action: 'directory.unmatched',
          entityType: 'platform_user',
          entityId: event.sender.platformUserId,
          data: {
            platform: event.platform,
            name: user.name,
            email: user.email ?? null,
            employeeNo: user.employeeNo ?? null,
          },
          now,
        }),
      ]);
      return undefined;
    }
    await store.atomic([
      ...setIdentityStatements(store, org.id, person.id, event.platform, event.sender.platformUserId),
      auditStatement(store, {
        orgId: org.id,
        actorType: 'platform',
        actorId: `${event.platform}:${event.sender.platformUserId}`,
        action: 'identity.self_bound',
        entityType: 'person',
        entityId: person.id,
        data: { platform: event.platform, platformUserId: event.sender.platformUserId, name: user.name },
        now,
      }),
    ]);
    return { org, person };
  };
}

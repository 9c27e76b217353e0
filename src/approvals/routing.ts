// Who decides a request: the requester's manager; when the requester has no
// manager, the org's admins. An approver away on leave can delegate
// (`委托 张三 7天`): while the delegation runs, cards go to the delegate and to
// the approver, and both of them may decide.
import { and, eq, gt, lte, ne } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { getPerson } from '../../storage/repos/people';
import type { Adjustment, Person } from '../../storage/repos/types';
import { delegations, people } from '../../storage/schema';

export interface Route {
  /** Stored on the request: the manager, or the first admin. */
  approverId: string;
  /** Everyone the approval card goes to (delegates standing in for approvers). */
  recipients: { personId: string; onBehalfOf?: string }[];
}

/**
 * The people whose decision the request needs, before delegation. A manager
 * who left (status inactive) is routed around: their own manager decides, up
 * the line, and the admins when nobody active is left on it.
 */
export async function baseApprovers(store: Store, orgId: string, requester: Person): Promise<Person[]> {
  const seen = new Set<string>([requester.id]);
  for (let id = requester.managerId; id && !seen.has(id); ) {
    seen.add(id);
    const manager = await getPerson(store, orgId, id);
    if (!manager) break;
    if (manager.status === 'active') return [manager];
    id = manager.managerId;
  }
  return store.db
    .select()
    .from(people)
    .where(
      and(eq(people.orgId, orgId), eq(people.role, 'admin'), eq(people.status, 'active'), ne(people.id, requester.id)),
    )
    .orderBy(people.createdAt, people.id);
}

/** The delegate standing in for `personId` at `now`, if any (the most recent delegation wins). */
export async function activeDelegate(
  store: Store,
  orgId: string,
  personId: string,
  now: Date,
): Promise<string | undefined> {
  const at = now.toISOString();
  const rows = await store.db
    .select({ to: delegations.toPersonId, created: delegations.createdAt })
    .from(delegations)
    .where(
      and(
        eq(delegations.orgId, orgId),
        eq(delegations.fromPersonId, personId),
        lte(delegations.startsAt, at),
        gt(delegations.endsAt, at),
      ),
    );
  const latest = rows.sort((a, b) => (a.created < b.created ? 1 : -1))[0];
  return latest && latest.to !== personId ? latest.to : undefined;
}

/** The people whose delegation to `personId` is active at `now` (whom they stand in for). */
export async function standingInFor(store: Store, orgId: string, personId: string, now: Date): Promise<string[]> {
  const at = now.toISOString();
  const rows = await store.db
    .select({ from: delegations.fromPersonId })
    .from(delegations)
    .where(
      and(
        eq(delegations.orgId, orgId),
        eq(delegations.toPersonId, personId),
        lte(delegations.startsAt, at),
        gt(delegations.endsAt, at),
      ),
    );
  return [...new Set(rows.map((r) => r.from))];
}

export async function routeRequest(
  store: Store,
  orgId: string,
  requester: Person,
  now: Date,
): Promise<Route | undefined> {
  const approvers = await baseApprovers(store, orgId, requester);
  if (!approvers.length) return undefined;
  const recipients: Route['recipients'] = [];
  for (const approver of approvers) {
    // The approver always gets the card (informed, and still able to decide); a delegate gets one too.
    const delegate = await activeDelegate(store, orgId, approver.id, now);
    const entries: Route['recipients'] = [{ personId: approver.id }];
    if (delegate && delegate !== requester.id) entries.push({ personId: delegate, onBehalfOf: approver.id });
    for (const entry of entries) if (!recipients.some((r) => r.personId === entry.personId)) recipients.push(entry);
  }
  return { approverId: approvers[0].id, recipients };
}

/**
 * Everyone who may decide `adjustment` now: its stored approver, the approvers
 * the requester would be routed to today (a manager change moves the request),
 * and the active delegates of all of them. Never the requester.
 */
export async function eligibleDeciders(store: Store, adjustment: Adjustment, now: Date): Promise<Set<string>> {
  const base = new Set<string>();
  if (adjustment.approverId) base.add(adjustment.approverId);
  const requester = await getPerson(store, adjustment.orgId, adjustment.requesterId);
  if (requester) for (const p of await baseApprovers(store, adjustment.orgId, requester)) base.add(p.id);
  const out = new Set(base);
  for (const id of base) {
    const delegate = await activeDelegate(store, adjustment.orgId, id, now);
    if (delegate) out.add(delegate);
  }
  out.delete(adjustment.requesterId);
  return out;
}

/** Whether `personId` ever stood in for one of `approverIds` (an ended delegation's old card). */
export async function wasDelegateOf(store: Store, orgId: string, personId: string, approverIds: string[]) {
  if (!approverIds.length) return false;
  const rows = await store.db
    .select({ from: delegations.fromPersonId })
    .from(delegations)
    .where(and(eq(delegations.orgId, orgId), eq(delegations.toPersonId, personId)));
  return rows.some((r) => approverIds.includes(r.from));
}

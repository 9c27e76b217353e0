// Platform-neutral directory sync: reconciles one org's teams, people, managers
// and identities with a snapshot of a platform directory (Lark contact v3, WeCom
// 通讯录, DingTalk 通讯录). The fetchers in bots/<platform>/directory.ts produce
// the snapshot; this module owns the mapping rules written down in
// docs/directory.md. Everything is planned from one read of the org, then
// written in one atomic batch, so a failure leaves the org as it was and a sync
// with no change writes nothing at all.
import { and, eq } from 'drizzle-orm';
import type { Clock } from '../../core/clock';
import type { DirectorySnapshot, DirectoryUser, DirectoryDepartment } from '../../core/directory';
import type { Platform } from '../../core/types';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { auditStatement } from '../../storage/repos/audit';
import { allIdentities, allPeople, allTeams, setIdentityStatements, wouldLoop } from '../../storage/repos/people';
import type { Person, Team } from '../../storage/repos/types';
import { people, teams } from '../../storage/schema';

export type ConflictKind =
  | 'duplicate_user'
  | 'duplicate_employee_no'
  | 'duplicate_email'
  | 'email_taken'
  | 'external_id_taken'
  | 'identity_taken'
  | 'department_orphan'
  | 'department_cycle'
  | 'department_name_taken'
  | 'department_removed'
  | 'no_department'
  | 'manager_cycle'
  | 'manager_set_by_hand'
  | 'team_set_by_hand';

export interface SyncConflict {
  kind: ConflictKind;
  platform_user_id?: string;
  department_id?: string;
  person_id?: string;
  detail: string;
}

export interface SyncSummary {
  platform: Platform;
  dry_run: boolean;
  teams_created: number;
  teams_updated: number;
  people_created: number;
  people_updated: number;
  people_deactivated: number;
  people_reactivated: number;
  identities_bound: number;
  conflicts: SyncConflict[];
  /** Statements executed (0 for a dry run or a sync with nothing to change). */
  writes: number;
}

export interface SyncOptions {
  dryRun?: boolean;
  clock: Clock;
  /** Filled with the people this sync created (id and platform user id), once written. */
  created?: { personId: string; platformUserId: string }[];
}

const teamKey = (platform: Platform, departmentId: string) => `${platform}:${departmentId}`;
const fallbackExternalId = (platform: Platform, userId: string) => `${platform}:${userId}`;
const normEmail = (e: string | null | undefined) => (e ? e.trim().toLowerCase() : '') || null;
const clean = (s: string | null | undefined) => (s ? s.trim() : '') || null;

export async function syncDirectory(
  store: Store,
  orgId: string,
  snapshot: DirectorySnapshot,
  options: SyncOptions,
): Promise<SyncSummary> {
  const { platform } = snapshot;
  const now = options.clock.now();
  const at = now.toISOString();
  const summary: SyncSummary = {
    platform,
    dry_run: !!options.dryRun,
    teams_created: 0,
    teams_updated: 0,
    people_created: 0,
    people_updated: 0,
    people_deactivated: 0,
    people_reactivated: 0,
    identities_bound: 0,
    conflicts: [],
    writes: 0,
  };
  const conflict = (c: SyncConflict) => summary.conflicts.push(c);
  const statements: Statement[] = [];

  const [existingTeams, existingPeople, existingIdentities] = await Promise.all([
    allTeams(store, orgId),
    allPeople(store, orgId),
    allIdentities(store, orgId),
  ]);

  // ---- Departments → teams -------------------------------------------------
  const depts = new Map<string, DirectoryDepartment>();
  for (const d of [...snapshot.departments].sort((a, b) => cmp(a.id, b.id))) {
    if (!depts.has(d.id)) depts.set(d.id, { ...d, name: d.name.trim() || d.id });
  }
  // A parent outside the snapshot (deleted, or not visible to the app) makes the department a root.
  for (const d of depts.values()) {
    if (d.parentId && (!depts.has(d.parentId) || d.parentId === d.id)) {
      conflict({
        kind: 'department_orphan',
        department_id: d.id,
        detail: `parent department ${d.parentId} is not in the directory; "${d.name}" is placed at the top`,
      });
      d.parentId = null;
    }
  }
  // Break parent cycles so every department reaches a root.
  for (const d of depts.values()) {
    const seen = new Set<string>([d.id]);
    for (let p = d.parentId; p; p = depts.get(p)?.parentId ?? null) {
      if (seen.has(p)) {
        conflict({ kind: 'department_cycle', department_id: d.id, detail: `department parents loop through ${p}` });
        d.parentId = null;
        break;
      }
      seen.add(p);
    }
  }
  // Parents before children, siblings by id: a stable order keeps name choices stable between syncs.
  const children = new Map<string | null, DirectoryDepartment[]>();
  for (const d of depts.values()) children.set(d.parentId, [...(children.get(d.parentId) ?? []), d]);
  const ordered: DirectoryDepartment[] = [];
  for (let queue = [...(children.get(null) ?? [])]; queue.length; ) {
    const d = queue.shift()!;
    ordered.push(d);
    queue.push(...(children.get(d.id) ?? []));
  }

  const teamByKey = new Map<string, Team>();
  const teamByName = new Map<string, Team>();
  for (const t of existingTeams) {
    if (t.externalKey) teamByKey.set(t.externalKey, t);
    teamByName.set(t.name, t);
  }
  const usedNames = new Set(existingTeams.map((t) => t.name));
  const claimedTeams = new Set<string>();
  const teamOfDept = new Map<string, string>();
  interface TeamPlan {
    id: string;
    existing?: Team;
    name: string;
    parentId: string | null;
    externalKey: string | null;
    dept: DirectoryDepartment;
  }
  const teamPlans: TeamPlan[] = [];
  for (const d of ordered) {
    const key = teamKey(platform, d.id);
    let existing = teamByKey.get(key);
    if (!existing) {
      // Adopt a hand-made (or other platform's) team of the same name: a company on two platforms keeps one tree.
      const byName = teamByName.get(d.name);
      if (byName && !claimedTeams.has(byName.id) && !byName.externalKey?.startsWith(`${platform}:`)) existing = byName;
    }
    if (existing) claimedTeams.add(existing.id);
    const parentName = d.parentId ? depts.get(d.parentId)?.name : undefined;
    let name = d.name;
    if (existing?.name !== name && usedNames.has(name)) {
      if (existing?.name.startsWith(`${d.name} (`)) name = existing.name;
      else {
        const base = parentName ? `${d.name} (${parentName})` : `${d.name} (${d.id})`;
        name = base;
        for (let n = 2; usedNames.has(name) && existing?.name !== name; n++) name = `${base} ${n}`;
        conflict({
          kind: 'department_name_taken',
          department_id: d.id,
          detail: `another team is already called "${d.name}"; this department's team is "${name}"`,
        });
      }
    }
    usedNames.add(name);
    const id = existing?.id ?? newId('team');
    teamOfDept.set(d.id, id);
    teamPlans.push({
      id,
      existing,
      name,
      parentId: d.parentId ? (teamOfDept.get(d.parentId) ?? null) : null,
      externalKey: existing?.externalKey && existing.externalKey !== key ? existing.externalKey : key,
      dept: d,
    });
  }
  const rootTeamId = ordered[0] ? teamOfDept.get(ordered[0].id)! : null;

  // ---- Users → people ------------------------------------------------------
  const users = new Map<string, DirectoryUser>();
  for (const u of [...snapshot.users].sort((a, b) => cmp(a.userId, b.userId))) {
    const prev = users.get(u.userId);
    if (prev) {
      // Lark lists a person once per department: merge, keep the first record's main department.
      const extra = u.departmentIds.filter((x) => !prev.departmentIds.includes(x));
      if (!extra.length && (prev.name !== u.name || prev.active !== u.active))
        conflict({ kind: 'duplicate_user', platform_user_id: u.userId, detail: `user ${u.userId} listed twice` });
      prev.departmentIds = [...prev.departmentIds, ...extra];
      continue;
    }
    users.set(u.userId, {
      ...u,
      name: u.name.trim() || u.userId,
      email: clean(u.email),
      mobile: clean(u.mobile),
      employeeNo: clean(u.employeeNo),
      title: clean(u.title),
      departmentIds: [...u.departmentIds],
      leaderUserId: clean(u.leaderUserId),
    });
  }
  const employeeNoCount = new Map<string, number>();
  for (const u of users.values())
    if (u.employeeNo) employeeNoCount.set(u.employeeNo, (employeeNoCount.get(u.employeeNo) ?? 0) + 1);
  for (const [no, n] of employeeNoCount)
    if (n > 1)
      conflict({
        kind: 'duplicate_employee_no',
        detail: `${n} users share employee number ${no}; they are matched by their ${platform} id instead`,
      });

  const byExternal = new Map(existingPeople.map((p) => [p.externalId, p]));
  const byEmail = new Map<string, Person>();
  for (const p of existingPeople) {
    const e = normEmail(p.email);
    if (e) byEmail.set(e, p);
  }
  const personById = new Map(existingPeople.map((p) => [p.id, p]));
  const identityOf = new Map<string, string>(); // personId → this platform's user id
  const personOfIdentity = new Map<string, string>(); // user id → personId
  for (const i of existingIdentities) {
    if (i.platform !== platform) continue;
    identityOf.set(i.personId, i.platformUserId);
    personOfIdentity.set(i.platformUserId, i.personId);
  }
  const emailOwner = new Map<string, string>(); // normalized email → person id, as planned
  for (const p of existingPeople) {
    const e = normEmail(p.email);
    if (e) emailOwner.set(e, p.id);
  }
  const externalOwner = new Map(existingPeople.map((p) => [p.externalId, p.id]));

  interface PersonPlan {
    user: DirectoryUser;
    id: string;
    existing?: Person;
    externalId: string;
    email: string | null;
    teamId: string | null;
    managerId: string | null;
  }
  const claimed = new Set<string>();
  const plans: PersonPlan[] = [];
  const personOfUser = new Map<string, string>();
  const seenEmails = new Map<string, string>(); // email → user id, inside the snapshot
  for (const u of users.values()) {
    const usableNo = u.employeeNo && employeeNoCount.get(u.employeeNo) === 1 ? u.employeeNo : null;
    const desiredExternal = usableNo ?? fallbackExternalId(platform, u.userId);
    let email = normEmail(u.email);
    if (email) {
      const other = seenEmails.get(email);
      if (other) {
        conflict({
          kind: 'duplicate_email',
          platform_user_id: u.userId,
          detail: `${u.name} has the same e-mail as ${other}; the e-mail is not used for them`,
        });
        email = null;
      } else seenEmails.set(email, u.userId);
    }
    // Match: external_id, then e-mail, then an existing identity; never a person twice.
    const candidates = [
      byExternal.get(desiredExternal),
      usableNo ? undefined : byExternal.get(fallbackExternalId(platform, u.userId)),
      email ? byEmail.get(email) : undefined,
      personById.get(personOfIdentity.get(u.userId) ?? ''),
    ];
    const existing = candidates.find((p) => p && !claimed.has(p.id));
    if (!existing && !u.active) continue; // a leaver we never knew: nothing to keep
    const id = existing?.id ?? newId('p');
    claimed.add(id);
    personOfUser.set(u.userId, id);

    let externalId = existing?.externalId ?? desiredExternal;
    // A person first seen without an employee number gets it once the directory has one.
    if (existing && usableNo && existing.externalId.startsWith(`${platform}:`) && existing.externalId !== usableNo)
      externalId = usableNo;
    if (externalId !== existing?.externalId) {
      const owner = externalOwner.get(externalId);
      if (owner && owner !== id) {
        conflict({
          kind: 'external_id_taken',
          platform_user_id: u.userId,
          person_id: owner,
          detail: `external id ${externalId} belongs to another person; ${u.name} keeps ${existing?.externalId ?? fallbackExternalId(platform, u.userId)}`,
        });
        externalId = existing?.externalId ?? fallbackExternalId(platform, u.userId);
      }
      externalOwner.set(externalId, id);
    }
    if (email) {
      const owner = emailOwner.get(email);
      if (owner && owner !== id) {
        conflict({
          kind: 'email_taken',
          platform_user_id: u.userId,
          person_id: owner,
          detail: `${email} belongs to another person; not set on ${u.name}`,
        });
        email = null;
      } else emailOwner.set(email, id);
    }
    const mainDept = u.departmentIds.find((d) => depts.has(d));
    let teamId: string | null;
    if (mainDept) teamId = teamOfDept.get(mainDept)!;
    else {
      teamId = existing?.teamId ?? rootTeamId;
      if (u.active)
        conflict({
          kind: 'no_department',
          platform_user_id: u.userId,
          detail: `none of ${u.name}'s departments is in the directory; team left as it was`,
        });
    }
    plans.push({
      user: u,
      id,
      existing,
      externalId,
      email: email ?? normEmail(existing?.email),
      teamId,
      managerId: null,
    });
  }

  // ---- Managers ------------------------------------------------------------
  const activeUser = (userId: string | null | undefined) => {
    const u = userId ? users.get(userId) : undefined;
    return u?.active ? u : undefined;
  };
  const leaderFor = (u: DirectoryUser): string | null => {
    const explicit = activeUser(u.leaderUserId);
    if (explicit && explicit.userId !== u.userId) return explicit.userId;
    // Department leader; for a department's own leader, the nearest ancestor's leader.
    for (let d = depts.get(u.departmentIds.find((x) => depts.has(x)) ?? ''); d; d = depts.get(d.parentId ?? '')) {
      const leader = d.leaderIds.map((l) => activeUser(l)).find((l) => l && l.userId !== u.userId);
      if (leader) return leader.userId;
    }
    return null;
  };
  const finalManager = new Map<string, string | null>(existingPeople.map((p) => [p.id, p.managerId]));
  for (const plan of plans) {
    if (!plan.user.active) {
      plan.managerId = plan.existing?.managerId ?? null;
      continue;
    }
    const leader = leaderFor(plan.user);
    plan.managerId = leader ? (personOfUser.get(leader) ?? null) : null;
    finalManager.set(plan.id, plan.existing?.managerSetByHand ? plan.existing.managerId : plan.managerId);
  }
  for (const plan of plans) {
    if (!plan.user.active || plan.existing?.managerSetByHand || !plan.managerId) continue;
    if (wouldLoop((x) => finalManager.get(x), plan.id, plan.managerId)) {
      conflict({
        kind: 'manager_cycle',
        platform_user_id: plan.user.userId,
        person_id: plan.id,
        detail: `${plan.user.name}'s leader chain loops back to them; their manager is left empty`,
      });
      plan.managerId = null;
      finalManager.set(plan.id, null);
    }
  }

  // ---- Statements ----------------------------------------------------------
  for (const t of teamPlans) {
    const leaderUser = t.dept.leaderIds.map((l) => activeUser(l)).find(Boolean);
    const leaderPerson = leaderUser ? (personOfUser.get(leaderUser.userId) ?? null) : null;
    if (!t.existing) {
      summary.teams_created++;
      statements.push(
        store.db.insert(teams).values({
          id: t.id,
          orgId,
          name: t.name,
          parentId: t.parentId,
          managerId: leaderPerson,
          externalKey: t.externalKey,
        }),
      );
      continue;
    }
    const set: Partial<Team> = {};
    if (t.existing.name !== t.name) set.name = t.name;
    if (t.existing.parentId !== t.parentId) set.parentId = t.parentId;
    if (t.existing.externalKey !== t.externalKey) set.externalKey = t.externalKey;
    if (leaderPerson && t.existing.managerId !== leaderPerson) set.managerId = leaderPerson;
    if (Object.keys(set).length) {
      summary.teams_updated++;
      statements.push(
        store.db
          .update(teams)
          .set(set)
          .where(and(eq(teams.orgId, orgId), eq(teams.id, t.id))),
      );
    }
  }

  const keptUsers = new Set<string>();
  for (const plan of plans) {
    const { user: u, existing } = plan;
    keptUsers.add(u.userId);
    if (!existing) {
      summary.people_created++;
      statements.push(
        store.db.insert(people).values({
          id: plan.id,
          orgId,
          externalId: plan.externalId,
          name: u.name,
          email: plan.email,
          mobile: u.mobile ?? null,
          title: u.title ?? null,
          teamId: plan.teamId,
          managerId: plan.managerId,
          status: 'active',
          createdAt: at,
          updatedAt: at,
        }),
      );
    } else {
      const set: Partial<Person> = {};
      if (existing.externalId !== plan.externalId) set.externalId = plan.externalId;
      if (existing.name !== u.name) set.name = u.name;
      if (plan.email && normEmail(existing.email) !== plan.email) set.email = plan.email;
      if (u.mobile && existing.mobile !== u.mobile) set.mobile = u.mobile;
      if (u.title && existing.title !== u.title) set.title = u.title;
      if (u.active) {
        if (existing.teamSetByHand) {
          if (existing.teamId !== plan.teamId)
            conflict({
              kind: 'team_set_by_hand',
              platform_user_id: u.userId,
              person_id: existing.id,
              detail: `${u.name}'s team was set by hand; the directory places them elsewhere`,
            });
        } else if (existing.teamId !== plan.teamId) set.teamId = plan.teamId;
        if (existing.managerSetByHand) {
          if (existing.managerId !== plan.managerId)
            conflict({
              kind: 'manager_set_by_hand',
              platform_user_id: u.userId,
              person_id: existing.id,
              detail: `${u.name}'s manager was set by hand; the directory names someone else`,
            });
        } else if (existing.managerId !== plan.managerId) set.managerId = plan.managerId;
      }
      const status = u.active ? 'active' : 'inactive';
      const statusChanged = existing.status !== status;
      if (statusChanged) {
        set.status = status;
        if (status === 'active') summary.people_reactivated++;
        else summary.people_deactivated++;
      } else if (Object.keys(set).length) summary.people_updated++;
      if (Object.keys(set).length) {
        set.updatedAt = at;
        statements.push(
          store.db
            .update(people)
            .set(set)
            .where(and(eq(people.orgId, orgId), eq(people.id, existing.id))),
        );
      }
    }
    if (identityOf.get(plan.id) !== u.userId) {
      const holder = personOfIdentity.get(u.userId);
      if (holder && holder !== plan.id) {
        // The identity moves to the matched person; the old holder loses it (one person per platform user).
        conflict({
          kind: 'identity_taken',
          platform_user_id: u.userId,
          person_id: holder,
          detail: `${platform} user ${u.userId} was bound to another person; it now belongs to ${u.name}`,
        });
        statements.push(...setIdentityStatements(store, orgId, holder, platform, null));
      }
      summary.identities_bound++;
      statements.push(...setIdentityStatements(store, orgId, plan.id, platform, u.userId));
    }
  }

  // Leavers: people bound to this platform who are gone from the directory.
  for (const [personId, userId] of identityOf) {
    if (keptUsers.has(userId) || users.has(userId)) continue;
    const p = personById.get(personId);
    if (!p || p.status === 'inactive' || claimed.has(personId)) continue;
    summary.people_deactivated++;
    statements.push(
      store.db
        .update(people)
        .set({ status: 'inactive', updatedAt: at })
        .where(and(eq(people.orgId, orgId), eq(people.id, personId))),
    );
  }

  // Departments gone from the directory: the team stays (it owns history); report it while people remain in it.
  const liveKeys = new Set(teamPlans.map((t) => t.externalKey));
  const plannedTeam = new Map(plans.map((p) => [p.id, p.user.active ? p.teamId : null]));
  for (const t of existingTeams) {
    if (!t.externalKey?.startsWith(`${platform}:`) || liveKeys.has(t.externalKey)) continue;
    const remaining = existingPeople.filter(
      (p) => p.status === 'active' && (plannedTeam.has(p.id) ? plannedTeam.get(p.id) : p.teamId) === t.id,
    );
    if (remaining.length)
      conflict({
        kind: 'department_removed',
        department_id: t.externalKey.slice(platform.length + 1),
        detail: `department of team "${t.name}" is gone from the directory; ${remaining.length} people are still in it`,
      });
  }

  if (statements.length && !options.dryRun) {
    statements.push(
      auditStatement(store, {
        orgId,
        actorType: 'system',
        action: 'directory.sync',
        entityType: 'org',
        entityId: orgId,
        data: { ...summary, conflicts: summary.conflicts.length },
        now,
      }),
    );
    await store.atomic(statements);
    summary.writes = statements.length;
    for (const plan of plans)
      if (!plan.existing) options.created?.push({ personId: plan.id, platformUserId: plan.user.userId });
  }
  return summary;
}

function cmp(a: string, b: string) {
  return a < b ? -1 : a > b ? 1 : 0;
}

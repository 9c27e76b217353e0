// What the dashboard shows, scoped to the viewer: the tree (lazily, a level at a time),
// one objective's chain up to the north star and its contributors, people search,
// pending approvals and rules with their current hits. Built on storage/repos/tree.ts.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Store } from '../../storage/db';
import { adjustments, cycles, keyResults, people, ruleFirings, rules } from '../../storage/schema';
import { containsPattern } from '../../storage/repos/people';
import {
  loadRollup,
  loadTree,
  type OrgRollup,
  type RollupQuery,
  type TreeKeyResult,
  type TreeNode,
} from '../../storage/repos/tree';
import { cumulativeShares, linkShare } from './contribution';
import type { Scope } from './viewer';

/** A tree node as the client draws it. */
export interface NodeView
  extends Pick<TreeNode, 'id' | 'title' | 'ownerType' | 'ownerId' | 'ownerName' | 'progress' | 'parentObjectiveId'> {
  status: string;
  childCount: number;
  keyResults: {
    id: string;
    title: string;
    progress: number;
    status: string;
    weight: number;
    progressMode: string;
    childCount: number;
  }[];
  /** Context only (an ancestor of what the viewer may see). */
  context?: boolean;
}

const view = (n: TreeNode, context = false): NodeView => ({
  id: n.id,
  title: n.title,
  ownerType: n.ownerType,
  ownerId: n.ownerId,
  ownerName: n.ownerName,
  progress: n.progress,
  status: n.status,
  parentObjectiveId: n.parentObjectiveId,
  childCount: n.downstream.length,
  keyResults: n.keyResults.map((k) => ({
    id: k.id,
    title: k.title,
    progress: k.progress,
    status: k.status,
    weight: k.weight,
    progressMode: k.progressMode,
    childCount: k.childObjectiveIds.length,
  })),
  ...(context ? { context: true } : {}),
});

/** The objectives a scoped viewer owns (directly, via reports or teams) in the cycle. */
async function ownedIds(
  store: Store,
  q: RollupQuery,
  scope: Exclude<Scope, { kind: 'all' }>,
): Promise<{ id: string; parentId: string | null }[]> {
  return (await store.db.all(sql`
    SELECT o.id AS id, k.objective_id AS parentId FROM objectives o LEFT JOIN key_results k ON k.id = o.parent_kr_id
    WHERE o.org_id = ${q.orgId} AND o.cycle_id = ${q.cycle.id} AND o.status = 'active'
      AND (o.owner_person_id IN (SELECT value FROM json_each(${JSON.stringify([...scope.personIds])}))
        OR o.owner_team_id IN (SELECT value FROM json_each(${JSON.stringify([...scope.teamIds])})))
    ORDER BY CASE o.owner_type WHEN 'company' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, o.position, o.id`)) as {
    id: string;
    parentId: string | null;
  }[];
}

/** Decides visibility of loaded nodes for one request. */
export class Visibility {
  private constructor(
    private readonly scope: Scope,
    private readonly own: ReadonlySet<string>,
    readonly ownRoots: string[],
  ) {}

  static async load(store: Store, q: RollupQuery, scope: Scope): Promise<Visibility> {
    if (scope.kind === 'all') return new Visibility(scope, new Set(), []);
    const rows = await ownedIds(store, q, scope);
    const own = new Set(rows.map((r) => r.id));
    return new Visibility(
      scope,
      own,
      rows.filter((r) => !r.parentId || !own.has(r.parentId)).map((r) => r.id),
    );
  }

  get all() {
    return this.scope.kind === 'all';
  }

  /** Own, or below something own. */
  sees(node: Pick<TreeNode, 'id' | 'upstream'>): boolean {
    return this.all || this.own.has(node.id) || node.upstream.some((u) => this.own.has(u));
  }
}

export class HiddenError extends Error {}

export interface TreePage {
  roots: string[];
  nodes: NodeView[];
  total: number;
  truncated: boolean;
  expected: number;
}

/**
 * Without `rootId`: the top of the tree (admins: the roots and `depth` levels below them;
 * others: their own top objectives). With `rootId`: that node and `depth` levels below.
 */
export async function treePage(
  store: Store,
  q: RollupQuery,
  scope: Scope,
  options: { rootId?: string; depth: number; maxNodes: number },
): Promise<TreePage> {
  const rollup = await loadRollup(store, q);
  const vis = await Visibility.load(store, q, scope);
  if (options.rootId || vis.all) {
    const tree = await loadTree(
      store,
      { ...q, rootId: options.rootId, depth: options.depth, maxNodes: options.maxNodes },
      rollup,
    );
    if (options.rootId && tree.nodes[0] && !vis.sees(tree.nodes[0])) throw new HiddenError(options.rootId);
    const nodes = tree.nodes.filter((n) => vis.sees(n)).map((n) => view(n));
    return {
      roots: tree.roots,
      nodes,
      total: vis.all ? tree.total : nodes.length,
      truncated: tree.truncated,
      expected: tree.expected,
    };
  }
  const nodes: NodeView[] = [];
  let truncated = false;
  for (const root of vis.ownRoots) {
    if (nodes.length >= options.maxNodes) {
      truncated = true;
      break;
    }
    const tree = await loadTree(
      store,
      { ...q, rootId: root, depth: options.depth, maxNodes: options.maxNodes - nodes.length },
      rollup,
    );
    truncated ||= tree.truncated;
    nodes.push(...tree.nodes.map((n) => view(n)));
  }
  return { roots: vis.ownRoots, nodes, total: nodes.length, truncated, expected: rollup.expected };
}

export interface ChainLink {
  /** The objective further up. */
  objective: NodeView;
  /** Its KR the objective below aligns to. */
  viaKr: {
    id: string;
    title: string;
    weight: number;
    progressMode: string;
    progress: number;
    alignedCount: number;
  } | null;
  /** The objective below's share of this objective's progress (see contribution.ts). */
  share: number;
  /** The starting objective's share of this objective's progress. */
  cumulative: number;
  /** False when viaKr does not roll its aligned objectives up (manual or metric KR). */
  rollsUp: boolean;
}

export interface Contributor {
  objective: NodeView;
  viaKr: { id: string; title: string } | null;
  share: number;
  rollsUp: boolean;
}

export interface NodeDetail {
  node: NodeView;
  /** Nearest first, up to the root; the root's `viaKr` is the north-star KR on this chain. */
  upstream: ChainLink[];
  downstream: Contributor[];
  /** Contributors the viewer may not see, or beyond the cap. */
  hiddenContributors: number;
}

const MAX_CONTRIBUTORS = 200;

function link(
  child: Pick<TreeNode, 'parentKrId'>,
  parent: TreeNode,
): { kr: TreeKeyResult | undefined; share: number; rollsUp: boolean } {
  const kr = parent.keyResults.find((k) => k.id === child.parentKrId);
  if (!kr) return { kr, share: 0, rollsUp: false };
  return {
    kr,
    share: linkShare(parent.keyResults, kr.id, Math.max(1, kr.childObjectiveIds.length)),
    rollsUp: kr.progressMode === 'children',
  };
}

export async function nodeDetail(
  store: Store,
  q: RollupQuery,
  scope: Scope,
  id: string,
  pre?: OrgRollup,
): Promise<NodeDetail> {
  const rollup = pre ?? (await loadRollup(store, q));
  const vis = await Visibility.load(store, q, scope);
  const tree = await loadTree(store, { ...q, rootId: id, depth: 1, maxNodes: MAX_CONTRIBUTORS + 1 }, rollup);
  const self = tree.nodes[0];
  if (!self || !vis.sees(self)) throw new HiddenError(id);

  // Ancestors: visible as context because `self` is visible.
  const ancestors: TreeNode[] = [];
  for (const a of self.upstream) {
    const t = await loadTree(store, { ...q, rootId: a, depth: 0, maxNodes: 1 }, rollup);
    if (t.nodes[0]) ancestors.push(t.nodes[0]);
  }
  const links = ancestors.map((parent, i) => ({ parent, ...link(i === 0 ? self : ancestors[i - 1], parent) }));
  const cumulative = cumulativeShares(links.map((l) => l.share));
  const upstream: ChainLink[] = links.map((l, i) => ({
    objective: view(l.parent, !vis.sees(l.parent)),
    viaKr: l.kr
      ? {
          id: l.kr.id,
          title: l.kr.title,
          weight: l.kr.weight,
          progressMode: l.kr.progressMode,
          progress: l.kr.progress,
          alignedCount: l.kr.childObjectiveIds.length,
        }
      : null,
    share: l.share,
    cumulative: cumulative[i],
    rollsUp: l.rollsUp,
  }));

  const children = tree.nodes.slice(1).filter((n) => n.parentObjectiveId === self.id);
  const shown = children.filter((n) => vis.sees(n));
  const downstream: Contributor[] = shown.map((n) => {
    const l = link(n, self);
    return {
      objective: view(n),
      viaKr: l.kr ? { id: l.kr.id, title: l.kr.title } : null,
      share: l.share,
      rollsUp: l.rollsUp,
    };
  });
  return { node: view(self), upstream, downstream, hiddenContributors: self.downstream.length - shown.length };
}

/** Root-first ids from the top of the tree down to `id`, for the client to expand. */
export async function pathTo(store: Store, q: RollupQuery, scope: Scope, id: string): Promise<string[]> {
  const vis = await Visibility.load(store, q, scope);
  const tree = await loadTree(store, { ...q, rootId: id, depth: 0, maxNodes: 1 });
  const node = tree.nodes[0];
  if (!node || !vis.sees(node)) throw new HiddenError(id);
  return [...node.upstream].reverse().concat(id);
}

export interface PersonHit {
  id: string;
  name: string;
  title: string | null;
  objectives: { id: string; title: string }[];
}

/** People whose name (or external id / email) contains `text`, with their objectives this cycle. */
export async function searchPeople(
  store: Store,
  q: RollupQuery,
  scope: Scope,
  text: string,
  limit = 20,
): Promise<PersonHit[]> {
  const needle = containsPattern(text);
  if (!needle) return []; // control characters (%00 would match everyone): nobody
  const scoped =
    scope.kind === 'all'
      ? sql``
      : sql`AND id IN (SELECT value FROM json_each(${JSON.stringify([...scope.personIds])}))`;
  const found = (await store.db.all(sql`
    SELECT id, name, title FROM people
    WHERE org_id = ${q.orgId} AND (name LIKE ${needle} ESCAPE '\\' OR external_id LIKE ${needle} ESCAPE '\\' OR email LIKE ${needle} ESCAPE '\\') ${scoped}
    ORDER BY length(name), name LIMIT ${limit}`)) as { id: string; name: string; title: string | null }[];
  if (!found.length) return [];
  const objs = (await store.db.all(sql`
    SELECT id, title, owner_person_id AS ownerId FROM objectives
    WHERE org_id = ${q.orgId} AND cycle_id = ${q.cycle.id} AND status = 'active'
      AND owner_person_id IN (SELECT value FROM json_each(${JSON.stringify(found.map((p) => p.id))}))
    ORDER BY position, id`)) as { id: string; title: string; ownerId: string }[];
  return found.map((p) => ({
    ...p,
    objectives: objs.filter((o) => o.ownerId === p.id).map(({ id, title }) => ({ id, title })),
  }));
}

export async function listCycles(store: Store, orgId: string) {
  return store.db
    .select({
      id: cycles.id,
      name: cycles.name,
      startsOn: cycles.startsOn,
      endsOn: cycles.endsOn,
      status: cycles.status,
    })
    .from(cycles)
    .where(eq(cycles.orgId, orgId))
    .orderBy(desc(cycles.startsOn));
}

export interface PendingApproval {
  id: string;
  kind: string;
  requester: string;
  approver: string | null;
  krTitle: string | null;
  current: Record<string, unknown> | null;
  proposed: Record<string, unknown>;
  reason: string | null;
  createdAt: string;
}

/** Pending adjustments: all of them for admins, else those the viewer approves or that come from their scope. */
export async function pendingApprovals(
  store: Store,
  orgId: string,
  scope: Scope,
  viewerId?: string,
  limit = 50,
): Promise<PendingApproval[]> {
  const rows = await store.db
    .select()
    .from(adjustments)
    .where(and(eq(adjustments.orgId, orgId), eq(adjustments.status, 'pending')))
    .orderBy(asc(adjustments.createdAt))
    .limit(scope.kind === 'all' ? limit : 1000);
  const mine =
    scope.kind === 'all' ? rows : rows.filter((a) => a.approverId === viewerId || scope.personIds.has(a.requesterId));
  const picked = mine.slice(0, limit);
  const personIds = [...new Set(picked.flatMap((a) => [a.requesterId, a.approverId].filter((x): x is string => !!x)))];
  const krIds = [...new Set(picked.map((a) => a.keyResultId).filter((x): x is string => !!x))];
  const names = new Map(
    (personIds.length
      ? await store.db.select({ id: people.id, name: people.name }).from(people).where(inArray(people.id, personIds))
      : []
    ).map((p) => [p.id, p.name]),
  );
  const krs = new Map(
    (krIds.length
      ? await store.db
          .select({ id: keyResults.id, title: keyResults.title })
          .from(keyResults)
          .where(inArray(keyResults.id, krIds))
      : []
    ).map((k) => [k.id, k.title]),
  );
  return picked.map((a) => ({
    id: a.id,
    kind: a.kind,
    requester: names.get(a.requesterId) ?? a.requesterId,
    approver: a.approverId ? (names.get(a.approverId) ?? a.approverId) : null,
    krTitle: a.keyResultId ? (krs.get(a.keyResultId) ?? null) : null,
    current: a.current ?? null,
    proposed: a.proposed,
    reason: a.reason,
    createdAt: a.createdAt,
  }));
}

export interface RuleHits {
  id: string;
  name: string;
  enabled: boolean;
  mode: string;
  firing: number;
}

export async function rulesWithHits(store: Store, orgId: string): Promise<RuleHits[]> {
  const list = await store.db
    .select({ id: rules.id, name: rules.name, enabled: rules.enabled, mode: rules.mode })
    .from(rules)
    .where(eq(rules.orgId, orgId))
    .orderBy(asc(rules.name));
  if (!list.length) return [];
  const counts = await store.db
    .select({ ruleId: ruleFirings.ruleId, n: sql<number>`count(*)` })
    .from(ruleFirings)
    .where(and(eq(ruleFirings.orgId, orgId), eq(ruleFirings.state, 'firing')))
    .groupBy(ruleFirings.ruleId);
  const byRule = new Map(counts.map((r) => [r.ruleId, Number(r.n)]));
  return list
    .map((r) => ({ ...r, firing: byRule.get(r.id) ?? 0 }))
    .sort((a, b) => b.firing - a.firing || a.name.localeCompare(b.name));
}

// What the dashboard shows, scoped to the viewer: the tree (lazily, a level at a time),
// one objective's chain up to the north star and its contributors, people search,
// rules with their current hits (approvals: approvals.ts). Built on storage/repos/tree.ts.
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { allRows, type Store } from '../../storage/db';
import { cycles, ruleFirings, rules } from '../../storage/schema';
import { containsPattern } from '../../storage/repos/people';
import { loadTree, type RollupQuery, type TreeKeyResult, type TreeNode } from '../../storage/repos/tree';
import { cumulativeShares, krMoves, linkShare, type KrMove } from './contribution';
import type { Scope } from './viewer';
import { ErrorCode, PolarisError } from '../../core/errors';
import { CHECK_IN_WINDOW_DAYS, windowStart } from '../../core/okr/stats';
import { expectedPace } from '../../core/okr/pace';

/** A tree node as the client draws it. */
export interface NodeView
  extends Pick<
    TreeNode,
    'id' | 'title' | 'ownerType' | 'ownerId' | 'ownerName' | 'ownerTeam' | 'progress' | 'parentObjectiveId'
  > {
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
  ownerTeam: n.ownerTeam,
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

/** The objectives a scoped viewer owns (directly, via reports or teams) in the cycle, and the company's. */
async function ownedIds(
  store: Store,
  q: RollupQuery,
  scope: Exclude<Scope, { kind: 'all' }>,
): Promise<{ id: string; parentId: string | null; company: number }[]> {
  return await allRows<{
    id: string;
    parentId: string | null;
    company: number;
  }>(
    store,
    sql`
    SELECT o.id AS id, k.objective_id AS parentId, o.owner_type = 'company' AS company
    FROM objectives o LEFT JOIN key_results k ON k.id = o.parent_kr_id
    WHERE o.org_id = ${q.orgId} AND o.cycle_id = ${q.cycle.id} AND o.status = 'active'
      AND (o.owner_type = 'company'
        OR o.owner_person_id IN (SELECT value FROM json_each(${JSON.stringify([...scope.personIds])}))
        OR o.owner_team_id IN (SELECT value FROM json_each(${JSON.stringify([...scope.teamIds])})))
    ORDER BY CASE o.owner_type WHEN 'company' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, o.position, o.id`,
  );
}

/**
 * Decides visibility of loaded nodes for one request. Everyone sees the company's objectives (and, through them,
 * the north-star KRs); a scoped viewer also sees what they own and everything below it.
 */
export class Visibility {
  private constructor(
    private readonly scope: Scope,
    private readonly own: ReadonlySet<string>,
    private readonly company: ReadonlySet<string>,
    readonly ownRoots: string[],
    private readonly tops: string[] = [],
  ) {}

  static async load(store: Store, q: RollupQuery, scope: Scope): Promise<Visibility> {
    if (scope.kind === 'all') return new Visibility(scope, new Set(), new Set(), []);
    const rows = await ownedIds(store, q, scope);
    const company = new Set(rows.filter((r) => r.company).map((r) => r.id));
    const own = new Set(rows.filter((r) => !r.company).map((r) => r.id));
    const shown = new Set([...own, ...company]);
    return new Visibility(
      scope,
      own,
      company,
      rows.filter((r) => !r.parentId || !shown.has(r.parentId)).map((r) => r.id),
      rows.filter((r) => !r.company && (!r.parentId || !own.has(r.parentId))).map((r) => r.id),
    );
  }

  get all() {
    return this.scope.kind === 'all';
  }

  /** The viewer's own top objectives: owned, and not below another owned one (company objectives aside). */
  get ownTops(): string[] {
    return this.tops;
  }

  /** The company's, own, or below something own. */
  sees(node: Pick<TreeNode, 'id' | 'upstream'>): boolean {
    return this.all || this.company.has(node.id) || this.own.has(node.id) || node.upstream.some((u) => this.own.has(u));
  }
}

export class HiddenError extends PolarisError {
  override readonly name = 'HiddenError';
  constructor(message: string) {
    super(ErrorCode.Hidden, message);
  }
}

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
  // The stored roll-ups answer (storage/repos/rollup-store.ts): computing the org's roll-up on every
  // page took about a second at 100,000 people.
  const vis = await Visibility.load(store, q, scope);
  if (options.rootId || vis.all) {
    const tree = await loadTree(store, {
      ...q,
      rootId: options.rootId,
      depth: options.depth,
      maxNodes: options.maxNodes,
    });
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
    const tree = await loadTree(store, {
      ...q,
      rootId: root,
      depth: options.depth,
      maxNodes: options.maxNodes - nodes.length,
    });
    truncated ||= tree.truncated;
    nodes.push(...tree.nodes.filter((n) => vis.sees(n) && !nodes.some((x) => x.id === n.id)).map((n) => view(n)));
  }
  return {
    roots: vis.ownRoots,
    nodes,
    total: nodes.length,
    truncated,
    expected: expectedPace(q.cycle, q.now, q.timeZone),
  };
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
    startValue: number;
    targetValue: number;
    kind: string;
    unit: string | null;
  } | null;
  /** What finishing the starting objective moves viaKr by (null: viaKr, or one below, does not roll up). */
  move: KrMove | null;
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
  /** Progress (0..1) finishing this contributor brings the objective (from 0 when it is done); 0 unless rolled up. */
  gain: number;
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

export async function nodeDetail(store: Store, q: RollupQuery, scope: Scope, id: string): Promise<NodeDetail> {
  const vis = await Visibility.load(store, q, scope);
  const tree = await loadTree(store, { ...q, rootId: id, depth: 1, maxNodes: MAX_CONTRIBUTORS + 1 });
  const self = tree.nodes[0];
  if (!self || !vis.sees(self)) throw new HiddenError(id);

  // Ancestors: visible as context because `self` is visible.
  const ancestors: TreeNode[] = [];
  for (const a of self.upstream) {
    const t = await loadTree(store, { ...q, rootId: a, depth: 0, maxNodes: 1 });
    if (t.nodes[0]) ancestors.push(t.nodes[0]);
  }
  const links = ancestors.map((parent, i) => ({ parent, ...link(i === 0 ? self : ancestors[i - 1], parent) }));
  const cumulative = cumulativeShares(links.map((l) => l.share));
  const moves = krMoves(
    self.progress,
    links.map((l) => ({
      share: l.share,
      rollsUp: l.rollsUp,
      alignedCount: l.kr?.childObjectiveIds.length ?? 0,
      startValue: l.kr?.startValue ?? 0,
      targetValue: l.kr?.targetValue ?? 0,
    })),
  );
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
          startValue: l.kr.startValue,
          targetValue: l.kr.targetValue,
          kind: l.kr.kind,
          unit: l.kr.unit,
        }
      : null,
    move: moves[i],
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
      gain: l.rollsUp ? (n.progress >= 1 ? 1 : 1 - Math.max(0, n.progress)) * l.share : 0,
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
  const found = await allRows<{ id: string; name: string; title: string | null }>(
    store,
    sql`
    SELECT id, name, title FROM people
    WHERE org_id = ${q.orgId} AND (name LIKE ${needle} ESCAPE '\\' OR external_id LIKE ${needle} ESCAPE '\\' OR email LIKE ${needle} ESCAPE '\\') ${scoped}
    ORDER BY length(name), name LIMIT ${limit}`,
  );
  if (!found.length) return [];
  const objs = await allRows<{ id: string; title: string; ownerId: string }>(
    store,
    sql`
    SELECT id, title, owner_person_id AS ownerId FROM objectives
    WHERE org_id = ${q.orgId} AND cycle_id = ${q.cycle.id} AND status = 'active'
      AND owner_person_id IN (SELECT value FROM json_each(${JSON.stringify(found.map((p) => p.id))}))
    ORDER BY position, id`,
  );
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

export interface TeamFigures {
  people: number;
  checkedIn: number;
  objectives: number;
  averageProgress: number;
  byStatus: Record<'done' | 'on_track' | 'at_risk' | 'off_track' | 'not_started', number>;
}

/**
 * A team lead's figures: the people under them (reports, recursively, and their teams' members), who of them
 * checked in over the last 7 days, and the objectives of their subtree by status (the same windows and statuses
 * as the org figures, docs/okr-math.md).
 */
export async function teamFigures(
  store: Store,
  q: RollupQuery,
  scope: Exclude<Scope, { kind: 'all' }>,
  maxNodes = 2000,
): Promise<TeamFigures> {
  const personIds = JSON.stringify([...scope.personIds]);
  const teamIds = JSON.stringify([...scope.teamIds]);
  const since = windowStart(q.now, CHECK_IN_WINDOW_DAYS);
  const [row] = await allRows<{
    people: number;
    checkedIn: number | null;
  }>(
    store,
    sql`
    SELECT count(*) AS people,
      -- people.last_check_in_at is the newest check-in each authored (migration 0019), as GET /stats counts.
      sum(coalesce(p.last_check_in_at >= ${since}, 0)) AS checkedIn
    FROM people p
    WHERE p.org_id = ${q.orgId} AND p.status = 'active'
      AND (p.id IN (SELECT value FROM json_each(${personIds})) OR p.team_id IN (SELECT value FROM json_each(${teamIds})))`,
  );
  const vis = await Visibility.load(store, q, scope);
  const seen = new Set<string>();
  const byStatus = { done: 0, on_track: 0, at_risk: 0, off_track: 0, not_started: 0 };
  let progress = 0;
  for (const root of vis.ownTops) {
    const tree = await loadTree(store, { ...q, rootId: root, depth: 10, maxNodes });
    for (const n of tree.nodes) {
      if (n.ownerType === 'company' || seen.has(n.id) || !vis.sees(n)) continue;
      seen.add(n.id);
      byStatus[n.status] += 1;
      progress += n.progress;
    }
  }
  return {
    people: row?.people ?? 0,
    checkedIn: row?.checkedIn ?? 0,
    objectives: seen.size,
    averageProgress: seen.size ? Math.round((progress / seen.size) * 1000) / 1000 : 0,
    byStatus,
  };
}

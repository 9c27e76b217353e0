// The alignment tree and the roll-up behind it, built for 100k-person orgs.
// - SQLite keeps every KR's progress in a generated column (progress-sql.ts) stored in the
//   index key_results_rollup, computes each objective's weighted mean from that index in one
//   statement, and sums the objectives that roll nothing up ("leaves", nearly all of them)
//   per KR they align to. Only objectives that own a 'children' KR (company,
//   departments, teams: a few thousand) come back as individual rows.
// - JS rolls 'children' KRs up over those rows (core/okr/rollup.ts) and computes statuses.
// - A tree request then walks down level by level from the roots (or `rootId`), one query per
//   level, and loads titles and KRs only for the nodes it returns, capped by `maxNodes`.
import { sql } from 'drizzle-orm';
import { allRows, inIdSlices, type Store } from '../db';
import {
  ancestors,
  cycleScore,
  emptyStatusCounts,
  expectedPace,
  krProgress,
  objectiveProgress,
  rollup,
  selectSubtree,
  trackStatus,
  type CycleWindow,
  type KrDirection,
  type KrKind,
  type LeafGroup,
  type Rollup,
  type RollupKrInput,
  type RollupObjectiveInput,
  type StatusCounts,
  type TrackStatus,
} from '../../core/okr';
import { trackStatusSql } from './progress-sql';
import { ErrorCode, PolarisError } from '../../core/errors';
import { ensureRollups, readStoredRows, type StoredRow } from './rollup-store';

export interface RollupQuery {
  orgId: string;
  cycle: CycleWindow & { id: string };
  now: Date;
  /** The org's time zone, for the cycle's pace. */
  timeZone?: string;
}

/** An objective that owns a KR some objective aligns to. */
export interface ParentKr {
  objectiveId: string;
  /** That objective's own parent KR. */
  parentKrId: string | null;
  /** Whether that objective is active in the queried cycle (else the child is a root here). */
  inCycle: boolean;
}

export interface OrgRollup {
  expected: number;
  /** Roll-up over the objectives that own 'children' KRs ("rolling" objectives). */
  rolling: Rollup;
  rollingIds: string[];
  rollingOwnerTypes: string[];
  rollingParentKrIds: (string | null)[];
  rollingStatus: TrackStatus[];
  /** Leaf objectives summed per parent KR (aligned ones only). */
  leafGroups: Map<string, LeafGroup>;
  /** Parent KR id → its objective, for every KR an active objective of the cycle aligns to. */
  parents: Map<string, ParentKr>;
  /** Active objectives of the cycle. */
  objectives: number;
  /** Non-company objectives, and those aligned to an existing KR. */
  alignment: { eligible: number; aligned: number };
  objectiveStatus: StatusCounts;
  /** Objective count per score in tenths (index 0..10). */
  scoreTenths: number[];
  /** KR status counts (only with `krStatus: true`). */
  krStatus?: StatusCounts;
  keyResults?: number;
}

/** D1 binds at most 100 parameters; id lists travel as one JSON text instead, in slices. */
const ID_CHUNK = 5000;

const inChunks = <T>(ids: readonly string[], load: (json: string) => Promise<T[]>) => inIdSlices(ids, ID_CHUNK, load);

interface PartRow {
  part: 'node' | 'leaves' | 'status' | 'krs';
  id: string | null;
  parentKrId: string | null;
  ownerType: string | null;
  a: number | null;
  b: number | null;
  c: number | null;
  d: number | null;
  e: number | null;
  f: number | null;
}

const STATUS_KEYS: TrackStatus[] = ['done', 'on_track', 'at_risk', 'off_track', 'not_started'];

/** The whole cycle's progress and status in one statement plus two small ones. */
export async function loadRollup(
  store: Store,
  q: RollupQuery,
  options: { krStatus?: boolean } = {},
): Promise<OrgRollup> {
  const expected = expectedPace(q.cycle, q.now, q.timeZone);
  const { orgId } = q;
  const cycleId = q.cycle.id;
  // Every KR column used here is in the index key_results_rollup, progress included (the
  // generated column = krProgressSql), so SQLite reads that index only. The KRs come out of a
  // co-routine (`LIMIT -1`) whose columns the GROUP BY reads: flattened, the status expression
  // would run once per sum() below.
  const krStatusExpr = options.krStatus
    ? sql`, CASE WHEN k.progress_mode = 'children' THEN NULL ELSE ${trackStatusSql(sql.raw('k.progress'), expected, sql.raw('k.confidence'), sql.raw('k.last_check_in_at IS NOT NULL'))} END AS ks`
    : sql``;
  const kr = sql`SELECT k.objective_id AS objective_id, k.weight AS weight, CASE WHEN k.progress_mode <> 'children' THEN k.progress END AS p,
          k.progress_mode = 'children' AS rolled, k.confidence AS confidence, k.last_check_in_at IS NOT NULL AS checked ${krStatusExpr}
        FROM key_results k WHERE k.org_id = ${orgId} AND k.cycle_id = ${cycleId} AND k.status = 'active'
        ORDER BY k.objective_id LIMIT -1`;
  const krCounts = options.krStatus
    ? sql`, ${sql.join(
        STATUS_KEYS.map((s, i) => sql`sum(ks = ${s}) AS ${sql.raw(`k${i}`)}`),
        sql`, `,
      )}, count(*) - sum(rolled) AS kn`
    : sql``;
  const objCounts = options.krStatus
    ? sql`, s.k0 AS k0, s.k1 AS k1, s.k2 AS k2, s.k3 AS k3, s.k4 AS k4, s.kn AS kn`
    : sql``;
  const objProgress = sql`(CASE WHEN w > 0 THEN max(0.0, min(1.0, ws / w)) WHEN n > 0 THEN max(0.0, min(1.0, ps / n)) ELSE 0.0 END)`;
  const leafStatus = trackStatusSql(sql.raw('progress'), expected, sql.raw('minConf'), sql.raw('checked'));
  const score10 = sql`CAST(progress * 10 + 1e-9 + 0.5 AS INTEGER)`;
  const krBranch = options.krStatus
    ? sql`UNION ALL SELECT 'krs', NULL, NULL, NULL, sum(k0), sum(k1), sum(k2), sum(k3), sum(k4), sum(kn) FROM obj`
    : sql``;

  const rows = await allRows<PartRow>(
    store,
    sql`
    WITH obj AS MATERIALIZED (
      -- Driven by the KRs (in objective order), so each objective is one primary-key lookup.
      SELECT o.id AS id, o.parent_kr_id AS parentKrId, o.owner_type AS ownerType,
        s.ws AS ws, s.w AS w, s.ps AS ps, s.n AS n, s.rolled AS rolled,
        s.minConf AS minConf, s.checked AS checked ${objCounts}
      FROM (
        SELECT objective_id,
          sum(max(weight, 0) * p) AS ws,
          sum(CASE WHEN weight > 0 AND NOT rolled THEN weight END) AS w,
          sum(p) AS ps, count(p) AS n, sum(rolled) AS rolled,
          min(CASE WHEN NOT rolled THEN confidence END) AS minConf,
          max(CASE WHEN NOT rolled THEN checked ELSE 0 END) AS checked ${krCounts}
        FROM (${kr}) GROUP BY objective_id
      ) s CROSS JOIN objectives o ON o.id = s.objective_id -- CROSS JOIN keeps this order in SQLite
      WHERE o.org_id = ${orgId} AND o.cycle_id = ${cycleId} AND o.status = 'active'
      UNION ALL
      -- Objectives without an active KR: progress 0.
      SELECT o.id, o.parent_kr_id, o.owner_type, NULL, NULL, NULL, 0, 0, NULL, 0 ${options.krStatus ? sql`, 0, 0, 0, 0, 0, 0` : sql``}
      FROM objectives o
      WHERE o.org_id = ${orgId} AND o.cycle_id = ${cycleId} AND o.status = 'active'
        -- Same KRs as above, probed in key_results_rollup without reading a row.
        AND NOT EXISTS (SELECT 1 FROM key_results k WHERE k.cycle_id = o.cycle_id AND k.objective_id = o.id AND k.status = 'active')
    ),
    leaf AS MATERIALIZED (
      SELECT parentKrId, ownerType, checked, progress, ${leafStatus} AS status FROM (
        SELECT parentKrId, ownerType, minConf, checked, ${objProgress} AS progress FROM obj WHERE rolled = 0 LIMIT -1)
    )
    SELECT 'node' AS part, id, parentKrId, ownerType, ws AS a, w AS b, ps AS c, n AS d, minConf AS e, checked AS f FROM obj WHERE rolled > 0
    UNION ALL SELECT 'leaves', NULL, parentKrId, ownerType, count(*), sum(progress), max(checked), NULL, NULL, NULL FROM leaf GROUP BY parentKrId, ownerType
    UNION ALL SELECT 'status', status, NULL, NULL, ${score10}, count(*), NULL, NULL, NULL, NULL FROM leaf GROUP BY status, ${score10}
    ${krBranch}`,
  );

  const inputs: RollupObjectiveInput[] = [];
  const rollingOwnerTypes: string[] = [];
  const rollingParentKrIds: (string | null)[] = [];
  const leafGroups = new Map<string, LeafGroup>();
  const parentKrIds = new Set<string>();
  const objectiveStatus = emptyStatusCounts();
  const scoreTenths = new Array<number>(11).fill(0);
  const alignment = { eligible: 0, aligned: 0 };
  const alignedByKr: { kr: string; count: number }[] = [];
  let objectives = 0;
  let krStatus: StatusCounts | undefined;
  let keyResults: number | undefined;
  for (const r of rows) {
    if (r.part === 'node') {
      inputs.push({
        id: r.id!,
        parentKrId: r.parentKrId,
        fixed: { weightedSum: r.a ?? 0, weightSum: r.b ?? 0, plainSum: r.c ?? 0, count: r.d ?? 0 },
        minConfidence: r.e,
        hasCheckIn: !!r.f,
      });
      rollingOwnerTypes.push(r.ownerType!);
      rollingParentKrIds.push(r.parentKrId);
      if (r.parentKrId) parentKrIds.add(r.parentKrId);
      objectives++;
      if (r.ownerType !== 'company') {
        alignment.eligible++;
        if (r.parentKrId) alignedByKr.push({ kr: r.parentKrId, count: 1 });
      }
    } else if (r.part === 'leaves') {
      const count = r.a ?? 0;
      objectives += count;
      if (r.ownerType !== 'company') {
        alignment.eligible += count;
        if (r.parentKrId) alignedByKr.push({ kr: r.parentKrId, count });
      }
      if (!r.parentKrId) continue;
      parentKrIds.add(r.parentKrId);
      const g = leafGroups.get(r.parentKrId) ?? { count: 0, progressSum: 0, hasCheckIn: false };
      g.count += count;
      g.progressSum += r.b ?? 0;
      g.hasCheckIn ||= !!r.c;
      leafGroups.set(r.parentKrId, g);
    } else if (r.part === 'status') {
      objectiveStatus[r.id as TrackStatus] += r.b ?? 0;
      scoreTenths[Math.min(10, Math.max(0, r.a ?? 0))] += r.b ?? 0;
    } else if (r.part === 'krs') {
      krStatus = { done: r.a ?? 0, on_track: r.b ?? 0, at_risk: r.c ?? 0, off_track: r.d ?? 0, not_started: r.e ?? 0 };
      keyResults = r.f ?? 0;
    }
  }

  const rollingIds = inputs.map((o) => o.id);
  const childKrRows = await inChunks(rollingIds, (json) =>
    allRows<{ id: string; objectiveId: string; weight: number; p: number; confidence: number | null; checked: number }>(
      store,
      sql`
    SELECT k.id AS id, k.objective_id AS objectiveId, k.weight AS weight, k.progress AS p, k.confidence AS confidence, k.last_check_in_at IS NOT NULL AS checked
    FROM key_results k
    WHERE k.objective_id IN (SELECT value FROM json_each(${json})) AND k.status = 'active' AND k.progress_mode = 'children'
    ORDER BY k.objective_id, k.position, k.id`,
    ),
  );
  const childKrs: RollupKrInput[] = childKrRows.map((k) => ({
    id: k.id,
    objectiveId: k.objectiveId,
    weight: k.weight,
    ownProgress: k.p,
    confidence: k.confidence,
    hasCheckIn: !!k.checked,
  }));

  const parents = new Map<string, ParentKr>();
  const parentRows = await inChunks([...parentKrIds], (json) =>
    allRows<{ id: string; objectiveId: string; parentKrId: string | null; inCycle: number }>(
      store,
      sql`
    SELECT k.id AS id, k.objective_id AS objectiveId, o.parent_kr_id AS parentKrId,
      (o.status = 'active' AND o.cycle_id = ${cycleId}) AS inCycle
    FROM key_results k JOIN objectives o ON o.id = k.objective_id
    WHERE k.id IN (SELECT value FROM json_each(${json})) AND k.org_id = ${orgId}`,
    ),
  );
  for (const r of parentRows)
    parents.set(r.id, { objectiveId: r.objectiveId, parentKrId: r.parentKrId, inCycle: !!r.inCycle });
  for (const { kr, count } of alignedByKr) if (parents.has(kr)) alignment.aligned += count;

  const rolling = rollup(inputs, childKrs, leafGroups);
  const rollingStatus: TrackStatus[] = inputs.map((_, i) =>
    trackStatus({
      progress: rolling.progress[i],
      expected,
      confidence: rolling.confidence[i],
      hasCheckIn: !!rolling.hasCheckIn[i],
    }),
  );
  for (let i = 0; i < inputs.length; i++) {
    objectiveStatus[rollingStatus[i]]++;
    scoreTenths[Math.round(cycleScore(rolling.progress[i]) * 10)]++;
  }
  if (krStatus) {
    for (const k of childKrs) {
      const rolled = rolling.krs.get(k.id);
      if (!rolled) continue;
      krStatus[
        trackStatus({
          progress: rolled.progress,
          expected,
          confidence: rolled.confidence,
          hasCheckIn: rolled.hasCheckIn,
        })
      ]++;
      keyResults = (keyResults ?? 0) + 1;
    }
  }
  return {
    expected,
    rolling,
    rollingIds,
    rollingOwnerTypes,
    rollingParentKrIds,
    rollingStatus,
    leafGroups,
    parents,
    objectives,
    alignment,
    objectiveStatus,
    scoreTenths,
    krStatus,
    keyResults,
  };
}

/** The KR columns the tree reads and shows. */
interface KrColumns {
  id: string;
  title: string;
  kind: KrKind;
  progressMode: string;
  startValue: number;
  targetValue: number;
  currentValue: number;
  unit: string | null;
  weight: number;
  confidence: number | null;
}

export interface TreeKeyResult extends KrColumns {
  /** 0..1; for 'children' KRs the mean of the objectives aligned to it. */
  progress: number;
  /** Unclamped, e.g. 1.2 for 120%. */
  raw: number;
  status: TrackStatus;
  childObjectiveIds: string[];
}

export interface TreeNode {
  id: string;
  title: string;
  ownerType: string;
  ownerId: string | null;
  ownerName: string | null;
  /** The owning person's team, or the owning team: what the dashboard groups a long list of children by. */
  ownerTeam: string | null;
  progress: number;
  status: TrackStatus;
  parentKrId: string | null;
  parentObjectiveId: string | null;
  /** Depth below the first nodes returned (the roots, or `rootId`). */
  level: number;
  keyResults: TreeKeyResult[];
  /** Ancestor objective ids, nearest first, up to the root. */
  upstream: string[];
  /** Direct child objective ids (all of them, even those cut by depth or maxNodes). */
  downstream: string[];
}

export interface TreeQuery extends RollupQuery {
  /** Start from this objective instead of the roots. */
  rootId?: string;
  /** 0 = only the start nodes; default unlimited (still capped by maxNodes). */
  depth?: number;
  /** At most this many nodes, breadth first. Default 1000. */
  maxNodes?: number;
}

export interface Tree {
  cycleId: string;
  expected: number;
  /** The start nodes: `rootId`, or every objective without a parent objective in the cycle. */
  roots: string[];
  nodes: TreeNode[];
  /** Active objectives in the cycle, whatever was returned. */
  total: number;
  truncated: boolean;
}

export class UnknownObjectiveError extends PolarisError {
  override readonly name = 'UnknownObjectiveError';
  constructor(readonly objectiveId: string) {
    super(ErrorCode.UnknownObjective, `Objective ${objectiveId} is not an active objective of this cycle`);
  }
}

const OWNER_RANK = sql`CASE o.owner_type WHEN 'company' THEN 0 WHEN 'team' THEN 1 ELSE 2 END`;

export async function loadTree(store: Store, q: TreeQuery, pre?: OrgRollup): Promise<Tree> {
  // Without `pre`, the stored roll-ups (rollup-store.ts) answer; `pre` (a full loadRollup) is
  // kept for the bench and tests that compare the two.
  const view = pre ? legacyView(store, q, pre) : await storedView(store, q);
  const { orgId } = q;
  const cycleId = q.cycle.id;
  const maxNodes = q.maxNodes ?? 1000;

  let roots: string[];
  if (q.rootId !== undefined) {
    const [found] = await allRows<{ id: string }>(
      store,
      sql`
      SELECT id FROM objectives WHERE id = ${q.rootId} AND org_id = ${orgId} AND cycle_id = ${cycleId} AND status = 'active'`,
    );
    if (!found) throw new UnknownObjectiveError(q.rootId);
    roots = [q.rootId];
  } else roots = await view.roots(maxNodes + 1);

  const legacyChildrenOfLevel = async (ids: string[]) => {
    const rows = await inChunks(ids, (json) =>
      allRows<{ id: string; parent: string }>(
        store,
        sql`
      SELECT o.id AS id, k.objective_id AS parent FROM key_results k JOIN objectives o ON o.parent_kr_id = k.id
      WHERE k.objective_id IN (SELECT value FROM json_each(${json}))
        AND o.org_id = ${orgId} AND o.cycle_id = ${cycleId} AND o.status = 'active'
      ORDER BY ${OWNER_RANK}, o.position, o.id`,
      ),
    );
    const out = new Map<string, string[]>();
    for (const row of rows) {
      const list = out.get(row.parent);
      if (list) list.push(row.id);
      else out.set(row.parent, [row.id]);
    }
    return out;
  };
  const childrenOfLevel = view.childrenOfLevel ?? legacyChildrenOfLevel;
  const picked = await selectSubtree(roots, childrenOfLevel, { depth: q.depth, maxNodes });
  const details = await loadDetails(store, orgId, picked.ids);
  const parentOf = await view.parents(picked.ids, details.objectives);

  const nodes: TreeNode[] = [];
  for (const id of picked.ids) {
    const d = details.objectives.get(id);
    if (!d) continue; // deleted between two reads
    const node = view.node(id);
    const ownKrs = details.krs.get(id) ?? [];
    const keyResults = ownKrs.map((k): TreeKeyResult => {
      const rolled = view.rolledKr(id, k.id);
      const own = krProgress(k);
      const progress = rolled ? rolled.progress : own.progress;
      return {
        id: k.id,
        title: k.title,
        kind: k.kind,
        progressMode: k.progressMode,
        startValue: k.startValue,
        targetValue: k.targetValue,
        currentValue: k.currentValue,
        unit: k.unit,
        weight: k.weight,
        progress,
        raw: rolled ? rolled.progress : own.raw,
        status: trackStatus({
          progress,
          expected: view.expected,
          confidence: k.confidence,
          hasCheckIn: rolled ? rolled.hasCheckIn : k.lastCheckInAt !== null,
        }),
        confidence: k.confidence,
        childObjectiveIds: [],
      };
    });
    let progress: number;
    let status: TrackStatus;
    if (node) {
      progress = node.progress;
      status = node.status;
    } else {
      // A leaf: the same formula SQLite applied, over the KRs just loaded.
      progress = objectiveProgress(keyResults);
      let confidence: number | null = null;
      for (const k of ownKrs)
        if (k.confidence !== null) confidence = confidence === null ? k.confidence : Math.min(confidence, k.confidence);
      status = trackStatus({
        progress,
        expected: view.expected,
        confidence,
        hasCheckIn: ownKrs.some((k) => k.lastCheckInAt !== null),
      });
    }
    const downstream = [...(picked.children.get(id) ?? [])];
    const byKr = new Map(keyResults.map((k) => [k.id, k]));
    for (const c of downstream) {
      const kr = details.objectives.get(c)?.parentKrId;
      if (kr) byKr.get(kr)?.childObjectiveIds.push(c);
    }
    nodes.push({
      id,
      title: d.title,
      ownerType: d.ownerType,
      ownerId: d.ownerId,
      ownerName: d.ownerName,
      ownerTeam: d.ownerTeam ?? null,
      progress,
      status,
      parentKrId: d.parentKrId,
      parentObjectiveId: parentOf(id) ?? null,
      level: picked.levels.get(id)!,
      keyResults,
      upstream: ancestors(id, parentOf),
      downstream,
    });
  }
  if (view.parentKrOfChild) {
    // The level reads already named each child's parent KR.
    const krs = new Map<string, TreeKeyResult>();
    for (const n of nodes) for (const k of n.keyResults) krs.set(k.id, k);
    for (const n of nodes)
      for (const c of n.downstream) {
        if (details.objectives.has(c)) continue; // placed by the selection pass
        const kr = view.parentKrOfChild.get(c);
        if (kr) krs.get(kr)?.childObjectiveIds.push(c);
      }
  } else await fillChildIdsOutsideSelection(store, orgId, cycleId, nodes, details.objectives);
  return { cycleId, expected: view.expected, roots, nodes, total: view.total, truncated: picked.truncated };
}

/** What the tree needs from a roll-up, stored or computed in full. */
interface TreeView {
  expected: number;
  total: number;
  /** Objectives without a parent objective in the cycle, in display order. */
  roots(limit: number): Promise<string[]>;
  /** Parent objective (in the cycle) of the given ids and of their ancestors. */
  parents(
    ids: string[],
    known: Map<string, { parentKrId: string | null }>,
  ): Promise<(id: string) => string | undefined>;
  node(id: string): { progress: number; status: TrackStatus } | undefined;
  rolledKr(objectiveId: string, krId: string): { progress: number; hasCheckIn: boolean } | undefined;
  /** Children of a level, from stored rows (else the tree queries the source tables). */
  childrenOfLevel?: (ids: string[]) => Promise<Map<string, string[]>>;
  /** Filled by childrenOfLevel: child objective → the KR it aligns to. */
  parentKrOfChild?: Map<string, string>;
}

function legacyView(store: Store, q: TreeQuery, r: OrgRollup): TreeView {
  const parentKrOf = new Map<string, string | null>();
  for (const [i, id] of r.rollingIds.entries()) parentKrOf.set(id, r.rollingParentKrIds[i]);
  for (const pk of r.parents.values()) parentKrOf.set(pk.objectiveId, pk.parentKrId);
  const parentObjectiveByKr = (kr: string | null | undefined) => {
    const pk = kr ? r.parents.get(kr) : undefined;
    return pk?.inCycle ? pk.objectiveId : undefined;
  };
  return {
    expected: r.expected,
    total: r.objectives,
    roots: async (limit) => {
      // Roots: no parent KR, or one whose objective is not active in this cycle.
      const aligned = new Set<string>(r.leafGroups.keys());
      for (const kr of r.rollingParentKrIds) if (kr) aligned.add(kr);
      const dangling = [...aligned].filter((kr) => !r.parents.get(kr)?.inCycle);
      const rows = await allRows<{ id: string }>(
        store,
        sql`
      SELECT o.id AS id FROM objectives o
      WHERE o.org_id = ${q.orgId} AND o.cycle_id = ${q.cycle.id} AND o.status = 'active'
        AND (o.parent_kr_id IS NULL OR o.parent_kr_id IN (SELECT value FROM json_each(${JSON.stringify(dangling)})))
      ORDER BY ${OWNER_RANK}, o.position, o.id LIMIT ${limit}`,
      );
      return rows.map((x) => x.id);
    },
    parents: async (_ids, known) => {
      for (const [id, d] of known) parentKrOf.set(id, d.parentKrId);
      return (id: string) => parentObjectiveByKr(parentKrOf.get(id));
    },
    node: (id) => {
      const i = r.rolling.index.get(id);
      return i === undefined ? undefined : { progress: r.rolling.progress[i], status: r.rollingStatus[i] };
    },
    rolledKr: (_o, krId) => r.rolling.krs.get(krId),
  };
}

async function storedView(store: Store, q: TreeQuery): Promise<TreeView> {
  const expected = expectedPace(q.cycle, q.now, q.timeZone);
  // Statuses are computed below from the stored values at this request's pace: any stored pace will do.
  const totals = await ensureRollups(store, q.orgId, q.cycle.id, expected, q.now, { pace: false });
  const { orgId } = q;
  const cycleId = q.cycle.id;
  const rowsById = new Map<string, StoredRow>();
  const rolledOf = new Map<string, Record<string, [number, number, number]>>();
  const load = async (ids: string[]) => {
    const missing = ids.filter((id) => !rowsById.has(id));
    if (!missing.length) return;
    for (const [id, row] of await readStoredRows(store, missing)) if (row.cycleId === cycleId) rowsById.set(id, row);
  };
  const parentKrOfChild = new Map<string, string>();
  return {
    expected,
    total: totals.objectives,
    parentKrOfChild,
    childrenOfLevel: async (ids) => {
      // Index order of objective_rollups_children: per parent, by owner rank, position, id.
      const out = new Map<string, string[]>();
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const json = JSON.stringify(ids.slice(i, i + ID_CHUNK));
        const found = (await store.db.values(sql`
          SELECT parent_objective_id, objective_id, parent_kr_id FROM objective_rollups
          WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND parent_objective_id IN (SELECT value FROM json_each(${json}))
          ORDER BY parent_objective_id, owner_rank, position, objective_id`)) as [string, string, string][];
        for (const [parent, id, kr] of found) {
          parentKrOfChild.set(id, kr);
          const list = out.get(parent);
          if (list) list.push(id);
          else out.set(parent, [id]);
        }
      }
      return out;
    },
    // Roots: objectives without a parent, and those whose parent has no stored row in this cycle
    // (another cycle's, or archived). The distinct parents come from a skip scan of the children
    // index, one seek per parent (~1,000 at 100k people), not a scan of every row (56 ms → 8 ms).
    roots: async (limit) =>
      (
        await allRows<{ id: string }>(
          store,
          sql`
        WITH RECURSIVE parents(p) AS (
          SELECT (SELECT min(parent_objective_id) FROM objective_rollups
            WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND parent_objective_id IS NOT NULL)
          UNION ALL
          SELECT (SELECT min(parent_objective_id) FROM objective_rollups
            WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND parent_objective_id > parents.p)
          FROM parents WHERE parents.p IS NOT NULL),
        dangling AS (SELECT p FROM parents WHERE p IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM objective_rollups x WHERE x.objective_id = parents.p AND x.org_id = ${orgId} AND x.cycle_id = ${cycleId}))
        SELECT id FROM (
          SELECT objective_id AS id, owner_rank, position FROM objective_rollups
          WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND parent_objective_id IS NULL
          UNION ALL
          SELECT objective_id, owner_rank, position FROM objective_rollups
          WHERE org_id = ${orgId} AND cycle_id = ${cycleId} AND parent_objective_id IN (SELECT p FROM dangling))
        ORDER BY owner_rank, position, id LIMIT ${limit}`,
        )
      ).map((x) => x.id),
    parents: async (ids) => {
      // Up from the selection to the top: a few levels, one query each.
      await load(ids);
      for (let frontier = ids; frontier.length; ) {
        const next = frontier
          .map((id) => rowsById.get(id)?.parentObjectiveId)
          .filter((p): p is string => !!p && !rowsById.has(p));
        await load([...new Set(next)]);
        frontier = next.filter((p) => rowsById.has(p));
      }
      return (id) => {
        const p = rowsById.get(id)?.parentObjectiveId;
        return p && rowsById.has(p) ? p : undefined;
      };
    },
    node: (id) => {
      const row = rowsById.get(id);
      if (!row) return undefined;
      return {
        progress: row.progress,
        status: trackStatus({
          progress: row.progress,
          expected,
          confidence: row.minConfidence,
          hasCheckIn: !!row.hasCheckIn,
        }),
      };
    },
    rolledKr: (objectiveId, krId) => {
      const row = rowsById.get(objectiveId);
      if (!row) return undefined;
      let rolled = rolledOf.get(objectiveId);
      if (!rolled) {
        rolled = JSON.parse(row.rolled) as Record<string, [number, number, number]>;
        rolledOf.set(objectiveId, rolled);
      }
      const v = rolled[krId];
      return v ? { progress: v[0], hasCheckIn: !!v[1] } : undefined;
    },
  };
}

/** childObjectiveIds of KRs whose children were not selected (depth or maxNodes cut them). */
async function fillChildIdsOutsideSelection(
  store: Store,
  orgId: string,
  cycleId: string,
  nodes: TreeNode[],
  known: Map<string, { parentKrId: string | null }>,
) {
  const missing: string[] = [];
  for (const n of nodes) if (n.downstream.some((c) => !known.has(c))) missing.push(n.id);
  if (!missing.length) return;
  const rows = await inChunks(missing, (json) =>
    allRows<{ id: string; parentKrId: string }>(
      store,
      sql`
    SELECT o.id AS id, o.parent_kr_id AS parentKrId FROM key_results k JOIN objectives o ON o.parent_kr_id = k.id
    WHERE k.objective_id IN (SELECT value FROM json_each(${json}))
      AND o.org_id = ${orgId} AND o.cycle_id = ${cycleId} AND o.status = 'active'
    ORDER BY ${OWNER_RANK}, o.position, o.id`,
    ),
  );
  const krs = new Map<string, TreeKeyResult>();
  for (const n of nodes) for (const k of n.keyResults) krs.set(k.id, k);
  for (const row of rows) {
    if (known.has(row.id)) continue; // already placed by the selection pass
    krs.get(row.parentKrId)?.childObjectiveIds.push(row.id);
  }
}

type DetailObjective = Pick<
  TreeNode,
  'id' | 'title' | 'ownerType' | 'ownerId' | 'ownerName' | 'ownerTeam' | 'parentKrId'
>;

interface DetailKr extends KrColumns {
  objectiveId: string;
  direction: KrDirection;
  lastCheckInAt: string | null;
}

async function loadDetails(store: Store, orgId: string, ids: string[]) {
  const objectiveRows = await inChunks(ids, (json) =>
    allRows<DetailObjective>(
      store,
      sql`
    SELECT o.id AS id, o.title AS title, o.owner_type AS ownerType, o.parent_kr_id AS parentKrId,
      coalesce(o.owner_person_id, o.owner_team_id) AS ownerId,
      CASE o.owner_type WHEN 'person' THEN p.name WHEN 'team' THEN t.name ELSE g.name END AS ownerName,
      CASE o.owner_type WHEN 'person' THEN pt.name WHEN 'team' THEN t.name END AS ownerTeam
    FROM objectives o
    LEFT JOIN people p ON p.id = o.owner_person_id
    LEFT JOIN teams pt ON pt.id = p.team_id
    LEFT JOIN teams t ON t.id = o.owner_team_id
    LEFT JOIN organizations g ON g.id = o.org_id
    WHERE o.id IN (SELECT value FROM json_each(${json})) AND o.org_id = ${orgId}`,
    ),
  );
  const krRows = await inChunks(ids, (json) =>
    allRows<DetailKr>(
      store,
      sql`
    SELECT id, objective_id AS objectiveId, title, kind, progress_mode AS progressMode, start_value AS startValue,
      target_value AS targetValue, current_value AS currentValue, unit, direction, weight, confidence, last_check_in_at AS lastCheckInAt
    FROM key_results
    WHERE objective_id IN (SELECT value FROM json_each(${json})) AND status = 'active'
    ORDER BY objective_id, position, id`,
    ),
  );
  const objectives = new Map(objectiveRows.map((o) => [o.id, o]));
  const krs = new Map<string, DetailKr[]>();
  for (const k of krRows) {
    const list = krs.get(k.objectiveId);
    if (list) list.push(k);
    else krs.set(k.objectiveId, [k]);
  }
  return { objectives, krs };
}

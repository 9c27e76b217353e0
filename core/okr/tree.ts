// Walking the alignment tree: an objective's parent is the objective that owns
// the KR it aligns to. These helpers only see ids, so storage can keep the graph
// in whatever shape is cheapest; every walk is cycle-safe.

/** Ancestor objective ids, nearest first, up to the root. Stops at a cycle. */
export function ancestors(id: string, parentOf: (id: string) => string | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>([id]);
  for (let p = parentOf(id); p !== undefined && !seen.has(p); p = parentOf(p)) {
    seen.add(p);
    out.push(p);
  }
  return out;
}

export interface SubtreeOptions {
  /** 0 = the roots only, 1 = roots and their children, …; undefined = no limit. */
  depth?: number;
  /** Stop after this many nodes (breadth first, so the upper layers come first). */
  maxNodes: number;
}

export interface Subtree {
  /** Selected objective ids in breadth-first order. */
  ids: string[];
  /** Depth of each selected id below its root. */
  levels: Map<string, number>;
  /** Direct children of every selected id (including those not selected). */
  children: Map<string, readonly string[]>;
  /** True when maxNodes cut the selection short. */
  truncated: boolean;
}

/** Children of a whole level at once, so storage can answer with one query per level. */
export type ChildrenOfLevel = (
  ids: string[],
) => Promise<ReadonlyMap<string, readonly string[]>> | ReadonlyMap<string, readonly string[]>;

/** Breadth-first selection from `rootIds`, level by level, cycle-safe. */
export async function selectSubtree(
  rootIds: readonly string[],
  childrenOfLevel: ChildrenOfLevel,
  options: SubtreeOptions,
): Promise<Subtree> {
  const ids: string[] = [];
  const levels = new Map<string, number>();
  const children = new Map<string, readonly string[]>();
  const maxDepth = options.depth ?? Infinity;
  let truncated = false;
  let frontier: string[] = [];
  for (const r of rootIds) {
    if (levels.has(r)) continue;
    if (ids.length >= options.maxNodes) {
      truncated = true;
      break;
    }
    levels.set(r, 0);
    ids.push(r);
    frontier.push(r);
  }
  for (let level = 0; frontier.length; level++) {
    const kids = await childrenOfLevel(frontier);
    for (const id of frontier) children.set(id, kids.get(id) ?? []);
    if (level >= maxDepth || truncated) break;
    const next: string[] = [];
    expand: for (const id of frontier) {
      for (const c of children.get(id)!) {
        if (levels.has(c)) continue; // already placed, or a cycle
        if (ids.length >= options.maxNodes) {
          truncated = true;
          break expand;
        }
        levels.set(c, level + 1);
        ids.push(c);
        next.push(c);
      }
    }
    frontier = next;
  }
  return { ids, levels, children, truncated };
}

// /dashboard/teams: administrators rename, move, merge and delete teams (issue 19). The page
// is server-rendered forms with no script, so it works inside every chat app's web view; each
// action posts to /dashboard/teams/:id/<action>, runs the same operation as the API
// (src/api/team-admin.ts, one atomic batch with its audit entry) and redirects back with a
// notice; a refusal is shown on the page in the viewer's language, with nothing changed.
// Same session and protections as the rest of the dashboard (the CSP, no framing and the
// same-origin check of POSTs are applied by src/web/index.tsx around these routes).
import { count, eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { type Locale, type MessageKey, t, toLocale } from '../../core/i18n';
import type { Store } from '../../storage/db';
import { allTeams } from '../../storage/repos/people';
import type { Team } from '../../storage/repos/types';
import { objectives, people } from '../../storage/schema';
import { ApiError, codeMessageZh } from '../api/errors';
import {
  commitTeamPlan,
  isSelfOrBelow,
  planTeamDelete,
  planTeamMerge,
  planTeamUpdate,
  type TeamActor,
} from '../api/team-admin';
import type { AppEnv } from '../services';
import { claimsOf, NoOrgError, resolveViewer, type Viewer } from './viewer';

type Ctx = Context<AppEnv>;
const LANG_COOKIE = 'polaris_lang';
const DONE = ['renamed', 'moved', 'merged', 'deleted'] as const;
type Done = (typeof DONE)[number];

/** ?lang= (remembered) → the dashboard's language cookie → the person's locale → Chinese. */
function localeFor(c: Ctx, viewer?: Viewer): Locale {
  const asked = c.req.query('lang');
  if (asked) {
    const locale = toLocale(asked);
    setCookie(c, LANG_COOKIE, locale, { path: '/dashboard', sameSite: 'Lax', maxAge: 365 * 86_400 });
    return locale;
  }
  const saved = getCookie(c, LANG_COOKIE);
  return toLocale(saved ?? viewer?.person?.locale);
}

/** The signed-in administrator, or the response that refuses everyone else. */
async function adminOr(c: Ctx): Promise<Viewer | Response> {
  const claims = await claimsOf(c);
  let viewer: Viewer | undefined;
  try {
    viewer = claims ? await resolveViewer(c, claims) : undefined;
  } catch (err) {
    if (!(err instanceof NoOrgError)) throw err;
  }
  if (!viewer) return c.redirect('/dashboard/login', 303);
  if (viewer.claims.sub !== 'admin' && viewer.person?.role !== 'admin') {
    const L = localeFor(c, viewer);
    return c.html(
      <TeamsLayout locale={L}>
        <p class="notice error" role="alert">
          {t(L, 'teamsPage.adminsOnly')}
        </p>
        <p>
          <a href="/dashboard">{t(L, 'teamsPage.back')}</a>
        </p>
      </TeamsLayout>,
      403,
    );
  }
  return viewer;
}

function actorOf(viewer: Viewer): TeamActor {
  return viewer.person ? { type: 'person', id: viewer.person.id } : { type: 'admin' };
}

interface TeamRow {
  team: Team;
  depth: number;
  path: string;
  members: number;
  objectives: number;
}

/** Teams in tree order (parents before their sub-teams, names sorted), with their counts. */
async function teamRows(store: Store, orgId: string): Promise<{ rows: TeamRow[]; byId: Map<string, Team> }> {
  const [list, memberCounts, objectiveCounts] = await Promise.all([
    allTeams(store, orgId),
    store.db
      .select({ team: people.teamId, n: count() })
      .from(people)
      .where(eq(people.orgId, orgId))
      .groupBy(people.teamId),
    store.db
      .select({ team: objectives.ownerTeamId, n: count() })
      .from(objectives)
      .where(eq(objectives.orgId, orgId))
      .groupBy(objectives.ownerTeamId),
  ]);
  const byId = new Map(list.map((x) => [x.id, x]));
  const members = new Map(memberCounts.map((r) => [r.team, r.n]));
  const owned = new Map(objectiveCounts.map((r) => [r.team, r.n]));
  const children = new Map<string | null, Team[]>();
  for (const team of list) {
    // A parent that no longer exists (or a loop an older import left) shows the team at the top.
    const parent = team.parentId && byId.has(team.parentId) ? team.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), team]);
  }
  const rows: TeamRow[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number, path: string) => {
    const kids = (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    for (const team of kids) {
      if (seen.has(team.id)) continue;
      seen.add(team.id);
      rows.push({
        team,
        depth,
        path,
        members: members.get(team.id) ?? 0,
        objectives: owned.get(team.id) ?? 0,
      });
      walk(team.id, depth + 1, path ? `${path} / ${team.name}` : team.name);
    }
  };
  walk(null, 0, '');
  for (const team of list) if (!seen.has(team.id)) rows.push({ team, depth: 0, path: '', members: 0, objectives: 0 });
  return { rows, byId };
}

const PAGE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;color:#1f2328;background:#f6f8fa}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding:12px 16px;background:#fff;border-bottom:1px solid #d0d7de}
header.top h1{font-size:18px;margin:0;flex:1 1 auto}
header.top a{color:#0969da}
main{max-width:880px;margin:0 auto;padding:12px}
.notice{padding:10px 12px;border-radius:6px;border:1px solid #d4a72c;background:#fff8c5;margin:0 0 12px;overflow-wrap:anywhere}
.notice.error{border-color:#cf222e;background:#ffebe9}
.notice.ok{border-color:#1a7f37;background:#dafbe1}
.hint{color:#57606a;font-size:13px;margin:0 0 12px}
ul.teams{list-style:none;margin:0;padding:0;display:grid;gap:8px}
li.team{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 12px;margin-left:calc(min(var(--depth),4) * 12px)}
.team-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px}
.team-name{font-weight:600;overflow-wrap:anywhere}
.team-path,.team-counts{color:#57606a;font-size:13px}
details{margin-top:6px}
summary{cursor:pointer;color:#0969da;min-height:32px;display:flex;align-items:center}
form.op{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:8px 0 0}
form.op label,.op-hint{flex:1 0 100%;font-size:13px;color:#57606a}
input,select,button{font:inherit;min-height:36px;border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;background:#fff;color:#1f2328}
input,select{flex:1 1 160px;min-width:0;max-width:100%}
button{cursor:pointer;background:#0969da;border-color:#0969da;color:#fff;white-space:nowrap}
button.danger{background:#fff;color:#cf222e;border-color:#cf222e}
form.op label.confirm{display:flex;align-items:center;gap:6px;color:#1f2328;order:1}
form.op label.confirm input{flex:0 0 auto;min-height:0;width:18px;height:18px}
form.op button{order:2}
@media (min-width:720px){form.op label:not(.confirm){flex:0 0 7em}}
`;

function TeamsLayout(props: { locale: Locale; children: unknown; org?: string }) {
  const L = props.locale;
  const other: Locale = L === 'en' ? 'zh-CN' : 'en';
  const org = props.org ? `&org=${encodeURIComponent(props.org)}` : '';
  return (
    <html lang={L}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{t(L, 'teamsPage.title')}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body>
        <a class="skip" href="#main">
          {t(L, 'dash.skip')}
        </a>
        <header class="top">
          <h1>{t(L, 'teamsPage.title')}</h1>
          <a href={`/dashboard${props.org ? `?org=${encodeURIComponent(props.org)}` : ''}`}>{t(L, 'teamsPage.back')}</a>
          <a href={`/dashboard/teams?lang=${other}${org}`} lang={other} hreflang={other}>
            {other === 'en' ? 'English' : '中文'}
          </a>
        </header>
        <main id="main">{props.children as never}</main>
      </body>
    </html>
  );
}

function TeamsPage(props: {
  locale: Locale;
  viewer: Viewer;
  rows: TeamRow[];
  byId: Map<string, Team>;
  notice?: { kind: 'ok' | 'error'; text: string };
}) {
  const L = props.locale;
  const orgQuery = props.viewer.orgs.length > 1 ? `?org=${encodeURIComponent(props.viewer.org.slug)}` : '';
  const action = (id: string, op: string) => `/dashboard/teams/${encodeURIComponent(id)}/${op}${orgQuery}`;
  return (
    <TeamsLayout locale={L} org={props.viewer.orgs.length > 1 ? props.viewer.org.slug : undefined}>
      {props.notice && (
        <p class={`notice ${props.notice.kind}`} role={props.notice.kind === 'error' ? 'alert' : 'status'}>
          {props.notice.text}
        </p>
      )}
      <p class="hint">{t(L, 'teamsPage.intro')}</p>
      {props.rows.length === 0 ? (
        <p>{t(L, 'teamsPage.none')}</p>
      ) : (
        <ul class="teams">
          {props.rows.map((r) => {
            const id = r.team.id;
            const field = (name: string) => `${name}-${id}`;
            const parents = props.rows.filter((x) => !isSelfOrBelow(props.byId, id, x.team.id));
            const targets = props.rows.filter((x) => x.team.id !== id);
            return (
              <li class="team" style={`--depth:${r.depth}`} data-team={r.team.name}>
                <div class="team-head">
                  <span class="team-name">{r.team.name}</span>
                  {r.path && <span class="team-path">{r.path}</span>}
                  <span class="team-counts">
                    {t(L, 'teamsPage.counts', { people: r.members, objectives: r.objectives })}
                  </span>
                </div>
                <details>
                  <summary>{t(L, 'teamsPage.manage', { name: r.team.name })}</summary>
                  <form class="op" method="post" action={action(id, 'rename')}>
                    <label for={field('name')}>{t(L, 'teamsPage.rename')}</label>
                    <input id={field('name')} name="name" value={r.team.name} maxlength={200} required />
                    <button type="submit">{t(L, 'teamsPage.renameButton')}</button>
                  </form>
                  <form class="op" method="post" action={action(id, 'move')}>
                    <label for={field('parent')}>{t(L, 'teamsPage.move')}</label>
                    <select id={field('parent')} name="parent_id">
                      <option value="" selected={!r.team.parentId}>
                        {t(L, 'teamsPage.topLevel')}
                      </option>
                      {parents.map((x) => (
                        <option value={x.team.id} selected={x.team.id === r.team.parentId}>
                          {x.path ? `${x.path} / ${x.team.name}` : x.team.name}
                        </option>
                      ))}
                    </select>
                    <button type="submit">{t(L, 'teamsPage.moveButton')}</button>
                  </form>
                  {targets.length > 0 && (
                    <form class="op" method="post" action={action(id, 'merge')}>
                      <label for={field('into')}>{t(L, 'teamsPage.merge')}</label>
                      <select id={field('into')} name="into" required>
                        {targets.map((x) => (
                          <option value={x.team.id}>{x.path ? `${x.path} / ${x.team.name}` : x.team.name}</option>
                        ))}
                      </select>
                      <label class="confirm" for={field('confirm')}>
                        <input id={field('confirm')} type="checkbox" name="confirm" value="yes" required />
                        {t(L, 'teamsPage.mergeConfirm', { name: r.team.name })}
                      </label>
                      <button type="submit">{t(L, 'teamsPage.mergeButton')}</button>
                    </form>
                  )}
                  <form class="op" method="post" action={action(id, 'delete')}>
                    <span class="op-hint" id={field('delete-hint')}>
                      {r.members > 0 ? t(L, 'teamsPage.deleteBlocked') : t(L, 'teamsPage.deleteHint')}
                    </span>
                    <button type="submit" class="danger" aria-describedby={field('delete-hint')}>
                      {t(L, 'teamsPage.deleteButton', { name: r.team.name })}
                    </button>
                  </form>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </TeamsLayout>
  );
}

const DONE_KEYS: Record<Done, MessageKey> = {
  renamed: 'teamsPage.done.renamed',
  moved: 'teamsPage.done.moved',
  merged: 'teamsPage.done.merged',
  deleted: 'teamsPage.done.deleted',
};

async function render(c: Ctx, viewer: Viewer, notice?: { kind: 'ok' | 'error'; text: string }, status = 200) {
  const L = localeFor(c, viewer);
  const { rows, byId } = await teamRows(c.get('deps').store, viewer.org.id);
  c.header('Cache-Control', 'no-store');
  return c.html(
    `<!doctype html>${<TeamsPage locale={L} viewer={viewer} rows={rows} byId={byId} notice={notice} />}`,
    status as 200,
  );
}

const Form = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  parent_id: z.string().trim().max(200).optional(),
  into: z.string().trim().min(1).max(200).optional(),
  confirm: z.string().max(10).optional(),
});

export const teamsPageRoutes = new Hono<AppEnv>();

teamsPageRoutes.get('/', async (c) => {
  const viewer = await adminOr(c);
  if (viewer instanceof Response) return viewer;
  const done = DONE.find((d) => d === c.req.query('done'));
  const name = (c.req.query('team') ?? '').slice(0, 200);
  const L = localeFor(c, viewer);
  return render(c, viewer, done ? { kind: 'ok', text: t(L, DONE_KEYS[done], { name }) } : undefined);
});

teamsPageRoutes.post('/:id/:op', async (c) => {
  const viewer = await adminOr(c);
  if (viewer instanceof Response) return viewer;
  const L = localeFor(c, viewer);
  const { store, clock } = c.get('deps');
  const id = c.req.param('id');
  const op = c.req.param('op');
  const form = Form.safeParse(await c.req.parseBody().catch(() => ({})));
  const fail = (text: string, status: number) => render(c, viewer, { kind: 'error', text }, status);
  if (!form.success) return fail(t(L, 'teamsPage.badForm'), 400);
  const team = (await allTeams(store, viewer.org.id)).find((x) => x.id === id);
  const actor = actorOf(viewer);
  const now = clock.now();
  try {
    let done: Done;
    let name = team?.name ?? id;
    if (op === 'rename') {
      if (!form.data.name) return fail(t(L, 'teamsPage.badForm'), 400);
      const plan = await planTeamUpdate(store, viewer.org.id, id, { name: form.data.name }, actor, now);
      await commitTeamPlan(store, plan.statements, form.data.name);
      done = 'renamed';
      name = plan.result.name;
    } else if (op === 'move') {
      const plan = await planTeamUpdate(
        store,
        viewer.org.id,
        id,
        { parent_id: form.data.parent_id || null },
        actor,
        now,
      );
      await commitTeamPlan(store, plan.statements);
      done = 'moved';
    } else if (op === 'merge') {
      // Merging deletes this team: the form asks for a tick, and a post without it changes nothing.
      if (!form.data.into || form.data.confirm !== 'yes') return fail(t(L, 'teamsPage.badForm'), 400);
      const plan = await planTeamMerge(store, viewer.org.id, id, form.data.into, actor, now);
      await commitTeamPlan(store, plan.statements);
      done = 'merged';
      name = `${name} → ${plan.result.into.name}`;
    } else if (op === 'delete') {
      const plan = await planTeamDelete(store, viewer.org.id, id, actor, now);
      await commitTeamPlan(store, plan.statements);
      done = 'deleted';
    } else {
      return fail(t(L, 'teamsPage.badForm'), 404);
    }
    const org = viewer.orgs.length > 1 ? `&org=${encodeURIComponent(viewer.org.slug)}` : '';
    return c.redirect(`/dashboard/teams?done=${done}&team=${encodeURIComponent(name)}${org}`, 303);
  } catch (err) {
    if (err instanceof ApiError)
      return fail(L === 'en' ? err.message : (err.zh ?? codeMessageZh(err.code)), err.status);
    throw err;
  }
});

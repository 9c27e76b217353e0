// /playground (the page and its script) and /playground/api/* (send, click,
// messages). The API never talks to the bot directly: it asks an emulator to
// do what the platform does when a person types or taps, so every message
// reaches /webhooks/<platform> signed and encrypted.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { cardButtons } from '../../bots/lark/emulator-card';
import { PLATFORMS, type Platform } from '../../bots/types';
import type { Store } from '../../storage/db';
import type { AppEnv } from '../services';
import { beginSsoState, ssoCallbackUrl } from '../web/sso-state';
import { CLIENT_JS } from './client';
import type { PlaygroundEmulators } from './emulators';
import { PlaygroundPage } from './page';
import { defaultPerson, demoOrg, demoPlatformUser, playgroundOrg } from './people';
import { hireInEmulator } from './directory';
import { and, eq } from 'drizzle-orm';
import { identities } from '../../storage/schema';
import type { PageLang } from './strings';
import type { Transcript } from './transcript';
import { performanceCsv, performanceRows } from '../review/sheet';
import {
  REVIEW_STEPS,
  ScriptError,
  STEP_ACTOR,
  reviewCast,
  runReviewStep,
  scriptCycle,
  type ReviewStep,
} from './review-script';

/** The DingTalk generic template posts every button with this actionId (docs/dingtalk-card-template.md). */
const DINGTALK_TEMPLATE_ACTION_ID = 'polaris_action';

const PlatformSchema = z.enum(PLATFORMS as [Platform, ...Platform[]]);
const SendSchema = z.object({
  platform: PlatformSchema,
  person: z.string().min(1).max(64),
  text: z.string().trim().min(1).max(2000),
});
const ClickSchema = z.object({
  platform: PlatformSchema,
  person: z.string().min(1).max(64),
  message: z.string().min(1).max(200),
  /** Lark: the button's callback value; DingTalk: the template button's value string. */
  value: z.union([z.record(z.string(), z.unknown()), z.string().max(4096)]).optional(),
  key: z.string().max(1024).optional(),
  action: z.string().max(64).optional(),
});

export interface PlaygroundDeps {
  store: Store;
  /** ADMIN_TOKEN or the playground's own; the dashboard signs sessions with it (via SSO, not here). */
  adminToken: string;
  emulators: PlaygroundEmulators;
  transcript: Transcript;
}

function fail(c: Context, status: 400 | 404 | 409 | 502 | 504, code: string, message: string) {
  return c.json({ error: { code, message } }, status);
}

async function readBody<T>(
  c: Context,
  schema: z.ZodType<T>,
): Promise<{ ok: true; data: T } | { ok: false; message: string }> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    return { ok: false, message: 'body must be JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, data: parsed.data };
}

/** The person's id on a platform (Lark open_id, WeCom userid, DingTalk staffId); demo org only. */
const platformUser = demoPlatformUser;

function toastText(body: unknown): string | undefined {
  const toast = (body as { toast?: { content?: unknown; i18n?: Record<string, unknown> } } | undefined)?.toast;
  return typeof toast?.content === 'string' ? toast.content : undefined;
}

const StepSchema = z.enum(REVIEW_STEPS);

export function playgroundRoutes({ store, emulators, transcript }: PlaygroundDeps) {
  const routes = new Hono<AppEnv>();

  const page = async (c: Context) => {
    const org = await playgroundOrg(store);
    const platform = PlatformSchema.safeParse(c.req.query('platform')).data ?? 'lark';
    // An id that names no demo person is refused visibly (404, a notice, nobody selected), never
    // replaced by someone else: chatting as the wrong person would look like a bot bug (issue 19).
    const asked = c.req.query('person');
    const found = asked ? org?.people.find((p) => p.id === asked) : undefined;
    const unknownPerson = asked && !found ? asked.slice(0, 64) : undefined;
    const person = found ?? (unknownPerson || !org ? undefined : defaultPerson(org));
    const askedLang = c.req.query('lang');
    const lang: PageLang = askedLang === 'en' || askedLang === 'zh' ? askedLang : person?.locale === 'en' ? 'en' : 'zh';
    const langChosen = askedLang === 'en' || askedLang === 'zh';
    // The guided review's cast, when the demo org has one (src/playground/review-script.ts).
    const cast = org ? await reviewCast(c.get('deps')).catch(() => undefined) : undefined;
    const done = StepSchema.safeParse(c.req.query('guide')).data;
    const guide = cast
      ? {
          steps: REVIEW_STEPS.map((step) => {
            const who = cast.cast[STEP_ACTOR[step]];
            return { step, name: who.name, title: who.title };
          }),
          done,
        }
      : undefined;
    return c.html(
      `<!doctype html>${PlaygroundPage({ lang, langChosen, platform, org, person, unknownPerson, guide })}`,
      unknownPerson ? 404 : 200,
    );
  };
  routes.get('/', page);

  // "Open the dashboard as this person", the way a workbench does it: the emulator's
  // OAuth authorize page signs them in and sends a code to /dashboard/sso/<platform>,
  // which exchanges it through the adapter, so the dashboard's SSO runs end to end.
  routes.post('/dashboard', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const personId = typeof form.person === 'string' ? form.person : '';
    const platform = PlatformSchema.safeParse(form.platform).data ?? 'lark';
    const user = await platformUser(store, personId, platform);
    if (!user) return fail(c, 404, 'not_found', `no person ${personId} with a ${platform} identity`);
    const authorize = new URL(`/emulators/${platform}/_emulator/oauth/authorize`, c.req.url);
    authorize.searchParams.set('user', user.userId);
    authorize.searchParams.set('redirect_uri', ssoCallbackUrl(c, c.get('deps').config.publicUrl, platform));
    authorize.searchParams.set('state', beginSsoState(c, c.get('deps').config.publicUrl));
    return c.redirect(`${authorize.pathname}${authorize.search}`, 303);
  });

  // A new hire in the selected platform's directory, announced by its change event (src/directory/changes.ts):
  // once the sync has brought them in, the page switches to them, where the welcome card arrives.
  routes.post('/new-hire', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const platform = PlatformSchema.safeParse(form.platform).data ?? 'lark';
    const colleague = typeof form.person === 'string' ? form.person : '';
    const lang = form.lang === 'en' || form.lang === 'zh' ? form.lang : undefined;
    const hired = await hireInEmulator(store, emulators, platform, colleague);
    if (!hired) return fail(c, 404, 'not_found', `no person ${colleague} in a team of the demo org`);
    const org = await demoOrg(store);
    let personId: string | undefined;
    for (let i = 0; i < 200 && !personId && org; i++) {
      await c.get('deps').directoryChanges?.idle();
      const [row] = await store.db
        .select({ personId: identities.personId })
        .from(identities)
        .where(
          and(
            eq(identities.orgId, org.id),
            eq(identities.platform, platform),
            eq(identities.platformUserId, hired.userId),
          ),
        );
      personId = row?.personId;
      if (!personId) await new Promise((r) => setTimeout(r, 100));
    }
    if (!personId) return fail(c, 504, 'sync_pending', `${hired.name} was added; the sync has not finished yet`);
    const target = new URLSearchParams({ platform, person: personId, ...(lang ? { lang } : {}) });
    return c.redirect(`/playground?${target}`, 303);
  });

  // The guided review (src/playground/review-script.ts): the steps and their cast, one step at a
  // time over the API, the same from the page's forms (then the page shows the actor's chat),
  // and the sheet at the end.
  const runStep = async (c: Context, step: ReviewStep) => {
    try {
      return {
        ok: true as const,
        result: await runReviewStep({ services: c.get('deps'), emulators, transcript }, step),
      };
    } catch (error) {
      if (error instanceof ScriptError) return { ok: false as const, status: error.status, message: error.message };
      throw error;
    }
  };
  routes.get('/api/script/review', async (c) => {
    try {
      const { cast } = await reviewCast(c.get('deps'));
      const { cycle } = await scriptCycle(c.get('deps'));
      return c.json({
        platform: 'lark',
        cycle: { id: cycle.id, name: cycle.name, status: cycle.status },
        steps: REVIEW_STEPS.map((step) => {
          const who = cast[STEP_ACTOR[step]];
          return { step, role: STEP_ACTOR[step], person: { id: who.id, name: who.name, title: who.title } };
        }),
      });
    } catch (error) {
      if (error instanceof ScriptError) return fail(c, 404, 'not_found', error.message);
      throw error;
    }
  });
  routes.post('/api/script/review/:step', async (c) => {
    const step = StepSchema.safeParse(c.req.param('step'));
    if (!step.success) return fail(c, 404, 'not_found', `no step ${c.req.param('step').slice(0, 40)}`);
    const run = await runStep(c, step.data);
    if (!run.ok) return fail(c, run.status, run.status === 409 ? 'conflict' : 'not_found', run.message);
    return c.json(run.result);
  });
  routes.post('/script/review/:step', async (c) => {
    // A form of this page only: a cross-site form cannot drive the demo.
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin) return fail(c, 400, 'bad_request', 'cross-origin form');
    const step = StepSchema.safeParse(c.req.param('step'));
    if (!step.success) return fail(c, 404, 'not_found', `no step ${c.req.param('step').slice(0, 40)}`);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const lang = form.lang === 'en' || form.lang === 'zh' ? form.lang : undefined;
    const run = await runStep(c, step.data);
    if (!run.ok) return fail(c, run.status, run.status === 409 ? 'conflict' : 'not_found', run.message);
    const target = new URLSearchParams({
      platform: 'lark',
      person: run.result.actor.id,
      guide: step.data,
      ...(lang ? { lang } : {}),
    });
    return c.redirect(`/playground?${target}#guide`, 303);
  });
  routes.get('/api/script/review/performance.csv', async (c) => {
    const { org, cycle } = await scriptCycle(c.get('deps')).catch((error) => {
      if (error instanceof ScriptError) return { org: undefined, cycle: undefined };
      throw error;
    });
    if (!org || !cycle) return fail(c, 404, 'not_found', 'the demo org is not loaded');
    const csv = performanceCsv(await performanceRows(store, org, cycle));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="performance-${cycle.id}.csv"`,
    });
  });

  routes.get('/app.js', (c) =>
    c.body(CLIENT_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );

  routes.get('/api/people', async (c) => c.json((await playgroundOrg(store)) ?? { people: [] }));

  routes.get('/api/messages', async (c) => {
    const platform = PlatformSchema.safeParse(c.req.query('platform'));
    if (!platform.success) return fail(c, 400, 'bad_request', 'platform must be lark, wecom or dingtalk');
    const user = await platformUser(store, c.req.query('person') ?? '', platform.data);
    if (!user)
      return fail(c, 404, 'not_found', `no person ${c.req.query('person') ?? ''} with a ${platform.data} identity`);
    return c.json({ messages: transcript.conversation(platform.data, user.userId) });
  });

  routes.post('/api/send', async (c) => {
    const body = await readBody(c, SendSchema);
    if (!body.ok) return fail(c, 400, 'bad_request', body.message);
    const { platform, person, text } = body.data;
    const user = await platformUser(store, person, platform);
    if (!user) return fail(c, 404, 'not_found', `no person ${person} with a ${platform} identity`);
    transcript.said(platform, user.userId, text);
    let status: number;
    if (platform === 'lark') status = (await emulators.lark.deliverMessage({ openId: user.userId, text })).status;
    else if (platform === 'wecom')
      status = (await emulators.wecom.deliverText({ userid: user.userId, content: text })).status;
    else {
      const result = await emulators.dingtalk.deliverText({ staffId: user.userId, text, senderNick: user.name });
      status = result.delivered && 'status' in result ? (result.status ?? 0) : 0;
    }
    if (status !== 200) return fail(c, 502, 'delivery_failed', `the ${platform} webhook answered HTTP ${status}`);
    return c.json({ ok: true, webhook: `/webhooks/${platform}`, status });
  });

  routes.post('/api/click', async (c) => {
    const body = await readBody(c, ClickSchema);
    if (!body.ok) return fail(c, 400, 'bad_request', body.message);
    const input = body.data;
    const user = await platformUser(store, input.person, input.platform);
    if (!user) return fail(c, 404, 'not_found', `no person ${input.person} with a ${input.platform} identity`);

    if (input.platform === 'lark') {
      const message = emulators.lark.messages.get(input.message);
      if (!message || message.receiveId !== user.userId)
        return fail(c, 404, 'not_found', `no card ${input.message} in this chat`);
      if (typeof input.value !== 'object')
        return fail(c, 400, 'bad_request', 'value: the button callback value object is required for Lark');
      const wanted = JSON.stringify(input.value);
      const button = cardButtons(message.content).find((b) => JSON.stringify(b.value) === wanted);
      if (!button) return fail(c, 400, 'bad_request', 'that card has no button with this value');
      const result = await emulators.lark.clickCard({
        openId: user.userId,
        messageId: message.messageId,
        value: button.value,
      });
      if (result.status !== 200 || result.cardError)
        return fail(c, 502, 'delivery_failed', result.cardError ?? `the lark webhook answered HTTP ${result.status}`);
      transcript.sync('lark');
      return c.json({ ok: true, toast: toastText(result.body) });
    }

    if (input.platform === 'wecom') {
      if (!input.key) return fail(c, 400, 'bad_request', 'key: required for WeCom buttons');
      try {
        const result = await emulators.wecom.clickButton({ userid: user.userId, msgId: input.message, key: input.key });
        if (result.status !== 200)
          return fail(c, 502, 'delivery_failed', `the wecom webhook answered HTTP ${result.status}`);
      } catch (error) {
        return fail(c, 400, 'bad_request', (error as Error).message);
      }
      return c.json({ ok: true });
    }

    const card = emulators.dingtalk.cards.get(input.message);
    if (!card?.openSpaceId.endsWith(`.${user.userId}`))
      return fail(c, 404, 'not_found', `no card ${input.message} in this chat`);
    let buttons: { action?: unknown; value?: unknown }[] = [];
    try {
      buttons = JSON.parse(card.cardParamMap.buttons ?? '[]');
    } catch {
      /* no buttons */
    }
    const button = buttons.find((b) => b.action === input.action && b.value === input.value);
    if (!button) return fail(c, 400, 'bad_request', 'that card has no button with this action and value');
    const result = await emulators.dingtalk.clickCard({
      outTrackId: card.outTrackId,
      userId: user.userId,
      actionId: DINGTALK_TEMPLATE_ACTION_ID,
      params: { action: String(button.action), value: String(button.value) },
    });
    if (!result.delivered || !('ok' in result) || !result.ok) {
      return fail(
        c,
        502,
        'delivery_failed',
        `the dingtalk event subscription answered HTTP ${'status' in result ? result.status : 0}`,
      );
    }
    return c.json({ ok: true });
  });

  return routes;
}

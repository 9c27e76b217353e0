// /playground: pick a platform and a person, then chat with the bot in a pane
// styled after that platform. Server-rendered with hono/jsx; the chat itself is
// driven by the small script at /playground/app.js (see client.ts). Works with
// the keyboard alone: platform tabs are links, the person picker is a form.
import type { Platform } from '../../bots/types';
import type { PlaygroundOrg, PlaygroundPerson, PersonGroup } from './people';
import { fill, pageStrings, type PageLang } from './strings';
import { PAGE_CSS } from './styles';

const PLATFORM_ORDER: Platform[] = ['lark', 'wecom', 'dingtalk'];
const GROUP_ORDER: PersonGroup[] = ['teacher', 'manager', 'coach'];

export interface PageInput {
  lang: PageLang;
  /** Whether ?lang= was given (links keep it then; otherwise the person's locale decides). */
  langChosen: boolean;
  platform: Platform;
  org: PlaygroundOrg | undefined;
  person: PlaygroundPerson | undefined;
  /** A `person=` id that names nobody in the demo org: shown, and nobody is selected. */
  unknownPerson?: string;
  /** The guided review's steps and cast (src/playground/review-script.ts); `done` is the step just run. */
  guide?: { steps: { step: string; name: string; title: string | null }[]; done?: string };
}

type GuideStep = 'start' | 'self' | 'delegate' | 'calibrate' | 'appeal' | 'decide' | 'close' | 'sheet';
const GUIDE_LABEL: Record<GuideStep, keyof ReturnType<typeof pageStrings>> = {
  start: 'guideStart',
  self: 'guideSelf',
  delegate: 'guideDelegate',
  calibrate: 'guideCalibrate',
  appeal: 'guideAppeal',
  decide: 'guideDecide',
  close: 'guideClose',
  sheet: 'guideSheet',
};

/** The guided review: one form per step (each runs it, then shows the chat of whoever acted). */
function GuidePanel({
  guide,
  lang,
  keepLang,
}: {
  guide: NonNullable<PageInput['guide']>;
  lang: PageLang;
  keepLang?: PageLang;
}) {
  const s = pageStrings(lang);
  const doneAt = guide.steps.findIndex((x) => x.step === guide.done);
  return (
    <section id="guide" class="guide" aria-labelledby="guide-title">
      <h2 id="guide-title" class="label">
        {s.guideTitle}
      </h2>
      <p class="note">{s.guideIntro}</p>
      <ol class="guide-steps">
        {guide.steps.map((x, i) => (
          <li class={i <= doneAt ? 'done' : i === doneAt + 1 ? 'next' : undefined}>
            <form method="post" action={`/playground/script/review/${x.step}`}>
              {keepLang ? <input type="hidden" name="lang" value={keepLang} /> : null}
              <button type="submit" class="btn guide-step" id={`guide-${x.step}`}>
                {s[GUIDE_LABEL[x.step as GuideStep]]}
              </button>
              <span class="note">{` ${x.name}${x.title ? ` · ${x.title}` : ''}`}</span>
            </form>
          </li>
        ))}
      </ol>
      {guide.done === 'sheet' || guide.done === 'close' ? (
        <p>
          <a id="guide-sheet" href="/playground/api/script/review/performance.csv">
            {s.guideDownload}
          </a>
        </p>
      ) : null}
    </section>
  );
}

function href(params: { platform: Platform; person?: string; lang?: PageLang }): string {
  const q = new URLSearchParams({ platform: params.platform });
  if (params.person) q.set('person', params.person);
  if (params.lang) q.set('lang', params.lang);
  return `/playground?${q.toString()}`;
}

function suggestions(lang: PageLang): string[] {
  return lang === 'en'
    ? ['my okrs', 'KR1 3', 'adjust KR1 target 30 because two new classes this month', 'team', 'help']
    : ['我的OKR', 'KR1 3', '调整 KR1 目标 30 原因 本月新增两个班', '团队', '帮助'];
}

export function PlaygroundPage({ lang, langChosen, platform, org, person, unknownPerson, guide }: PageInput) {
  const s = pageStrings(lang);
  const keepLang = langChosen ? lang : undefined;
  const manager = person?.managerId ? org?.people.find((p) => p.id === person.managerId) : undefined;
  const config = { platform, person: person?.id ?? '', lang, strings: s };
  const otherLang: PageLang = lang === 'en' ? 'zh' : 'en';
  return (
    <html lang={lang === 'en' ? 'en' : 'zh-CN'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{s.title}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="icon" href="/favicon.ico" sizes="32x32" />
        <style dangerouslySetInnerHTML={{ __html: PAGE_CSS }} />
      </head>
      <body class={`pf-${platform}`}>
        <a class="skip" href="#composer-input">
          {s.message}
        </a>
        <header class="top">
          <div>
            <h1>{s.title}</h1>
            <p class="intro">{s.intro}</p>
          </div>
          <nav class="top-links" aria-label={s.title}>
            {person ? (
              <form method="post" action="/playground/dashboard">
                <input type="hidden" name="person" value={person.id} />
                <input type="hidden" name="platform" value={platform} />
                <button type="submit" class="btn" id="open-dashboard">
                  {s.dashboard}
                </button>
              </form>
            ) : null}
            <a
              href={href({ platform, person: person?.id, lang: otherLang })}
              lang={otherLang === 'en' ? 'en' : 'zh-CN'}
            >
              {s.langToggle}
            </a>
          </nav>
        </header>
        {unknownPerson ? (
          <p class="unknown-person" role="alert">
            {s.unknownPerson.replace('{id}', unknownPerson)}
          </p>
        ) : null}
        <div class="layout" id="playground" data-config={JSON.stringify(config)}>
          <aside class="side">
            <nav aria-label={s.platform}>
              <h2 class="label">{s.platform}</h2>
              <ul class="tabs">
                {PLATFORM_ORDER.map((p) => (
                  <li>
                    <a
                      class={`tab tab-${p}`}
                      href={href({ platform: p, person: person?.id, lang: keepLang })}
                      aria-current={p === platform ? 'page' : undefined}
                    >
                      {s[p]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            {org ? (
              <form method="get" action="/playground" class="picker">
                <input type="hidden" name="platform" value={platform} />
                {keepLang ? <input type="hidden" name="lang" value={keepLang} /> : null}
                <label for="person" class="label">
                  {s.person}
                </label>
                <div class="picker-row">
                  <select id="person" name="person">
                    {GROUP_ORDER.map((g) => (
                      <optgroup label={s[g]}>
                        {org.people
                          .filter((p) => p.group === g)
                          .map((p) => (
                            <option
                              value={p.id}
                              selected={p.id === person?.id}
                            >{`${p.name} · ${p.title}${p.team ? ` · ${p.team}` : ''}`}</option>
                          ))}
                      </optgroup>
                    ))}
                  </select>
                  <button type="submit" class="btn">
                    {s.switchPerson}
                  </button>
                </div>
              </form>
            ) : (
              <p>{s.noOrg}</p>
            )}
            {person ? (
              <div class="who">
                <p class="who-name">{person.name}</p>
                <p>
                  {person.title}
                  {person.team ? ` · ${person.team}` : ''}
                </p>
                <p class="who-id">
                  <code>{person.ids[platform] ?? '—'}</code>
                </p>
                {manager ? (
                  <p>
                    <a id="to-manager" href={href({ platform, person: manager.id, lang: keepLang })}>
                      {fill(s.managerLink, { name: manager.name })}
                    </a>
                  </p>
                ) : null}
              </div>
            ) : null}
            <section aria-labelledby="try-title">
              <h2 id="try-title" class="label">
                {s.tryThese}
              </h2>
              <ul class="suggestions">
                {suggestions(person?.locale === 'en' ? 'en' : lang).map((text) => (
                  <li>
                    <button type="button" class="suggest" data-text={text}>
                      {text}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
            <p class="note">{fill(s.realPath, { path: `/webhooks/${platform}` })}</p>
            {guide ? <GuidePanel guide={guide} lang={lang} keepLang={keepLang} /> : null}
            {person ? (
              <form method="post" action="/playground/new-hire" class="new-hire">
                <input type="hidden" name="person" value={person.id} />
                <input type="hidden" name="platform" value={platform} />
                {keepLang ? <input type="hidden" name="lang" value={keepLang} /> : null}
                <button type="submit" class="btn" id="new-hire">
                  {s.newHire}
                </button>
                <p class="note">{fill(s.newHireNote, { platform: s[platform] })}</p>
              </form>
            ) : null}
          </aside>
          <main class="chat" aria-labelledby="chat-title">
            <div class="chat-head">
              <span class="bot-avatar" aria-hidden="true">
                P
              </span>
              <div>
                <h2 id="chat-title">Polaris</h2>
                <p>
                  {s[platform]} · {s.chatWith}
                </p>
              </div>
            </div>
            <div id="log" class="log" role="log" aria-live="polite" aria-label={s.chatWith} tabindex={0}>
              <p class="empty">{s.empty}</p>
            </div>
            <p id="status" class="status" role="status" aria-live="polite"></p>
            <form id="composer" class="composer">
              <label for="composer-input" class="sr-only">
                {s.message}
              </label>
              <input
                id="composer-input"
                name="text"
                type="text"
                autocomplete="off"
                placeholder={s.placeholder}
                disabled={!person}
              />
              <button type="submit" class="btn btn-send" disabled={!person}>
                {s.send}
              </button>
            </form>
          </main>
        </div>
        <script src="/playground/app.js" defer></script>
      </body>
    </html>
  );
}

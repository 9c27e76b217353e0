// The welcome card a new hire gets when a directory change event brings them into
// Polaris (src/directory/changes.ts): who we are, their manager, what to send first.
import { t } from '../core/i18n';
import type { Locale } from '../storage/schema';
import { userText, type Card, type CardBlock } from './model';

export interface WelcomeInput {
  name: string;
  orgName: string;
  managerName?: string | null;
  locale: Locale;
}

export function buildWelcomeCard(input: WelcomeInput): Card {
  const { locale } = input;
  const blocks: CardBlock[] = [{ type: 'markdown', text: t(locale, 'welcome.intro', { name: userText(input.name) }) }];
  if (input.managerName)
    blocks.push({ type: 'note', text: t(locale, 'welcome.manager', { manager: userText(input.managerName) }) });
  blocks.push({ type: 'markdown', text: t(locale, 'welcome.try') });
  return { header: { title: t(locale, 'welcome.title', { org: userText(input.orgName) }), color: 'blue' }, blocks };
}

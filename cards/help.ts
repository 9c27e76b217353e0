// The help reply: every chat command with an example, as a card and as text.
import { t, type Locale, type MessageKey } from '../core/i18n';
import type { Card } from './model';
import { cardToText } from './text';

export interface HelpEntry {
  /** What to type. */
  example: string;
  description: string;
}

const COMMANDS: { zh: string; en: string; key: MessageKey }[] = [
  { zh: '我的OKR', en: 'my okrs', key: 'help.cmd.myOkrs' },
  {
    zh: 'KR1 45 信心 7 备注 本周完成3次家访',
    en: 'KR1 45 confidence 7 note finished the survey',
    key: 'help.cmd.checkin',
  },
  {
    zh: '调整 KR1 目标 80 原因 家长反馈周期变长',
    en: 'adjust KR1 target 80 because parents need longer',
    key: 'help.cmd.adjust',
  },
  {
    zh: '调整 O1 新增KR 家访次数 0→20次 原因 …',
    en: 'adjust O1 add KR home visits 0->20 because …',
    key: 'help.cmd.adjustMore',
  },
  { zh: 'KR1 +2', en: 'KR1 +2', key: 'help.cmd.increment' },
  { zh: 'KR1 信心 6', en: 'KR1 confidence 6', key: 'help.cmd.confidence' },
  { zh: '撤回', en: 'withdraw', key: 'help.cmd.withdraw' },
  { zh: '新目标', en: 'new objective', key: 'help.cmd.newObjective' },
  { zh: '团队', en: 'team', key: 'help.cmd.team' },
  { zh: '待审批', en: 'approvals', key: 'help.cmd.approvals' },
  { zh: '查看 李娜', en: 'show Li Na', key: 'help.cmd.show' },
  { zh: '催一下 李娜', en: 'nudge Li Na', key: 'help.cmd.nudge' },
  { zh: '委托 张三 7天', en: 'delegate to Zhang San for 7 days', key: 'help.cmd.delegate' },
  { zh: '结束委托', en: 'end delegation', key: 'help.cmd.endDelegation' },
  { zh: '复盘', en: 'review', key: 'help.cmd.review' },
  { zh: '自评 O1 0.7 备注 …', en: 'self-score O1 0.7 note …', key: 'help.cmd.selfScore' },
  { zh: '校准 张三 0.6 原因 …', en: 'calibrate Zhang San 0.6 because …', key: 'help.cmd.calibrate' },
  { zh: '申诉 原因 …', en: 'appeal because …', key: 'help.cmd.appeal' },
  { zh: '取消', en: 'cancel', key: 'help.cmd.cancel' },
  { zh: '帮助', en: 'help', key: 'help.cmd.help' },
];

export function helpEntries(locale: Locale): HelpEntry[] {
  return COMMANDS.map((c) => ({ example: locale === 'en' ? c.en : c.zh, description: t(locale, c.key) }));
}

export function buildHelpCard(locale: Locale): Card {
  const en = locale === 'en';
  return {
    header: { title: t(locale, 'help.title'), color: 'blue' },
    blocks: [
      { type: 'markdown', text: t(locale, 'help.intro') },
      {
        type: 'markdown',
        text: helpEntries(locale)
          .map((e) => `• **${e.example}** — ${e.description}`)
          .join('\n'),
      },
      { type: 'note', text: t(locale, 'help.footer') },
      {
        type: 'actions',
        buttons: [
          {
            text: t(locale, 'help.myOkrsButton'),
            actionId: 'okrs.mine',
            value: {},
            style: 'primary',
            command: en ? 'my okrs' : '我的OKR',
          },
          {
            text: t(locale, 'card.newObjective'),
            actionId: 'objective.new',
            value: {},
            command: en ? 'new objective' : '新目标',
          },
        ],
      },
    ],
  };
}

/** The help as plain text, for platforms or moments without cards. */
export function helpText(locale: Locale): string {
  return cardToText(buildHelpCard(locale), locale);
}

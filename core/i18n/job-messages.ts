// User-facing text of the scheduled jobs' cards, zh-CN by default and en when
// the reader's locale says so. Kept here (not in src/i18n) so the jobs do not
// depend on the shared catalogue's keys while it is being written; same
// `{placeholder}` convention.
import type { Locale } from '../types';

const zh = {
  'digest.title': '{team} · 周报',
  'digest.subtitle': '{cycle} · {week} · 平均进度 {progress}',
  'digest.objectives': '**团队目标**',
  'digest.noObjectives': '本周期团队还没有目标。',
  'digest.krDetail': '{status} · 本周 {delta}',
  'digest.members': '**成员进度**',
  'digest.movers': '**本周变化最大**',
  'digest.noMovers': '本周没有进度变化。',
  'digest.moverLine': '{name} · {title}：{delta}',
  'digest.notCheckedIn': '**本周未更新**：{names}',
  'digest.allCheckedIn': '本周所有人都更新了进度 👍',
  'digest.adjustments': '**待审批的调整申请**（{count}）',
  'digest.adjustmentLine': '{name}：{kind} {reason}',
  'digest.footer': '回复「团队」查看实时状态；回复「KR1 45」更新进度。',
  'company.title': '{org} · 公司周报',
  'company.subtitle': '{cycle} · {week}',
  'company.alignment': '目标对齐率',
  'company.checkIn': '本周更新率',
  'company.adjustment': '调整申请（每百人每月）',
  'company.people': '人数',
  'company.objectives': '目标数',
  'company.status': '**KR 状态分布**',
  'company.statusLine': '正常 {on_track} · 有风险 {at_risk} · 落后 {off_track} · 已完成 {done} · 未开始 {not_started}',
  'company.pending': '待审批调整申请：{count}',
  'reminder.title': '本周还没有更新 OKR 进度',
  'reminder.subtitle': '{cycle} · 花一分钟更新一下吧',
  'reminder.intro': '{name}，本周你的 KR 还没有更新。点下面的按钮快速更新，或回复「KR1 45」。',
  'reminder.keep': '保持 {value}',
  'reminder.step': '进度 {percent}',
  'reminder.done': '已完成',
  'reminder.more': '还有 {count} 个 KR，回复「我的OKR」查看全部。',
  'reminder.footer': '本周最多提醒 {cap} 次；休假期间不会提醒。',
  'status.on_track': '正常',
  'status.at_risk': '有风险',
  'status.off_track': '落后',
  'status.done': '已完成',
  'status.not_started': '未开始',
  'adjustment.kind.target': '调整目标值',
  'adjustment.kind.start': '调整起始值',
  'adjustment.kind.title': '修改标题',
  'adjustment.kind.weight': '调整权重',
  'adjustment.kind.drop': '删除 KR',
  'adjustment.kind.add': '新增 KR',
  'adjustment.kind.new_objective': '新目标',
  'list.separator': '、',
} as const;

export type JobMessageKey = keyof typeof zh;

const en: Record<JobMessageKey, string> = {
  'digest.title': '{team} · weekly digest',
  'digest.subtitle': '{cycle} · {week} · average {progress}',
  'digest.objectives': '**Team objectives**',
  'digest.noObjectives': 'The team has no objectives this cycle yet.',
  'digest.krDetail': '{status} · this week {delta}',
  'digest.members': '**Members**',
  'digest.movers': '**Biggest movers this week**',
  'digest.noMovers': 'No progress changed this week.',
  'digest.moverLine': '{name} · {title}: {delta}',
  'digest.notCheckedIn': '**No update this week**: {names}',
  'digest.allCheckedIn': 'Everyone updated their progress this week 👍',
  'digest.adjustments': '**Open adjustment requests** ({count})',
  'digest.adjustmentLine': '{name}: {kind} {reason}',
  'digest.footer': 'Send "team" for the live status; "KR1 45" to update a KR.',
  'company.title': '{org} · company digest',
  'company.subtitle': '{cycle} · {week}',
  'company.alignment': 'Alignment rate',
  'company.checkIn': 'Check-in rate (7 days)',
  'company.adjustment': 'Adjustments per 100 people per month',
  'company.people': 'People',
  'company.objectives': 'Objectives',
  'company.status': '**KR status**',
  'company.statusLine':
    'on track {on_track} · at risk {at_risk} · off track {off_track} · done {done} · not started {not_started}',
  'company.pending': 'Pending adjustment requests: {count}',
  'reminder.title': 'Your OKRs have no update this week',
  'reminder.subtitle': '{cycle} · it takes a minute',
  'reminder.intro': '{name}, your KRs have not been updated this week. Tap a button below, or reply "KR1 45".',
  'reminder.keep': 'Keep {value}',
  'reminder.step': 'Progress {percent}',
  'reminder.done': 'Done',
  'reminder.more': '{count} more KRs: send "my okrs" to see them all.',
  'reminder.footer': 'At most {cap} reminders a week; none while you are on leave.',
  'status.on_track': 'On track',
  'status.at_risk': 'At risk',
  'status.off_track': 'Off track',
  'status.done': 'Done',
  'status.not_started': 'Not started',
  'adjustment.kind.target': 'change target',
  'adjustment.kind.start': 'change start',
  'adjustment.kind.title': 'rename',
  'adjustment.kind.weight': 'change weight',
  'adjustment.kind.drop': 'drop KR',
  'adjustment.kind.add': 'add KR',
  'adjustment.kind.new_objective': 'new objective',
  'list.separator': ', ',
};

export function jt(
  locale: Locale | string | null | undefined,
  key: JobMessageKey,
  params: Record<string, string | number> = {},
): string {
  const template = locale === 'en' ? en[key] : zh[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** 0.456 → "46%". */
export function pct(ratio: number): string {
  return `${Math.round((Number.isFinite(ratio) ? ratio : 0) * 100)}%`;
}

/** A progress change in points: +12% · −3% · ±0%. */
export function signedPct(delta: number): string {
  const points = Math.round(delta * 100);
  if (points === 0) return '±0%';
  return points > 0 ? `+${points}%` : `−${Math.abs(points)}%`;
}

// The team status card a manager gets for `团队` / `team`: each direct report's
// overall progress and status, who has not checked in this week, and how many
// adjustment requests wait for the manager.
import { userText, type Card, type CardBlock } from './model';
import { byUrgency, statusColor, type TrackStatus } from './model';
import type { PersonView, CycleView } from './view';
import { t } from '../core/i18n';

export interface TeamMemberView {
  name: string;
  progress: number;
  status: TrackStatus;
  objectives: number;
  lastCheckInAt: string | null;
  checkedInThisWeek: boolean;
}

export interface TeamCardInput {
  manager: PersonView;
  cycle: CycleView;
  members: TeamMemberView[];
  pendingApprovals: number;
}

export function buildTeamCard({ manager, cycle, members, pendingApprovals }: TeamCardInput): Card {
  const { locale } = manager;
  const sorted = [...members].sort(byUrgency);
  const worst = sorted[0]?.status;
  const blocks: CardBlock[] = [];
  if (!members.length) {
    blocks.push({ type: 'markdown', text: t(locale, 'team.noMembers') });
  } else {
    const avg = members.reduce((s, m) => s + m.progress, 0) / members.length;
    blocks.push({ type: 'progress', label: t(locale, 'team.average'), percent: Math.round(avg * 100), status: worst });
    for (const m of sorted) {
      blocks.push({
        type: 'progress',
        label: userText(m.name),
        percent: Math.round(m.progress * 100),
        status: m.status,
        detail: [
          t(locale, `status.${m.status}`),
          m.objectives === 0 ? t(locale, 'team.noObjectives') : undefined,
          m.objectives > 0 && !m.checkedInThisWeek ? t(locale, 'team.noCheckInThisWeek') : undefined,
        ]
          .filter(Boolean)
          .join(' · '),
      });
    }
    const missing = members.filter((m) => !m.checkedInThisWeek).map((m) => userText(m.name));
    blocks.push({ type: 'divider' });
    blocks.push({
      type: 'markdown',
      text: missing.length
        ? t(locale, 'team.notCheckedIn', { names: missing.join('、') })
        : t(locale, 'team.allCheckedIn'),
    });
  }
  if (pendingApprovals > 0)
    blocks.push({ type: 'note', text: t(locale, 'team.pendingApprovals', { count: pendingApprovals }) });
  return {
    header: {
      title: t(locale, 'team.title', { cycle: userText(cycle.name) }),
      subtitle: t(locale, 'team.subtitle', { count: members.length }),
      color: statusColor(worst),
    },
    blocks,
  };
}

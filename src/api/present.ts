// Rows as the API shows them: snake_case keys, the same names the request
// bodies and the import columns use.
import type { Adjustment, CheckIn, Cycle, KeyResult, Objective, Person, Team } from '../../storage/repos/types';
import { krProgress } from '../../core/okr/progress';

export function presentPerson(p: Person) {
  return {
    id: p.id,
    external_id: p.externalId,
    name: p.name,
    email: p.email,
    mobile: p.mobile,
    title: p.title,
    status: p.status,
    team_id: p.teamId,
    manager_id: p.managerId,
    coach_id: p.coachId,
    manager_set_by_hand: p.managerSetByHand,
    team_set_by_hand: p.teamSetByHand,
    role: p.role,
    leader: p.leader,
    locale: p.locale,
    timezone: p.timezone,
    paused_until: p.pausedUntil,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export function personRef(p: Person | undefined) {
  return p ? { id: p.id, external_id: p.externalId, name: p.name } : null;
}

export function presentTeam(t: Team) {
  return {
    id: t.id,
    name: t.name,
    parent_id: t.parentId,
    manager_id: t.managerId,
    timezone: t.timezone,
    lark_chat_id: t.larkChatId,
    wecom_chat_id: t.wecomChatId,
    dingtalk_conversation_id: t.dingtalkConversationId,
    external_key: t.externalKey,
    created_at: t.createdAt,
  };
}

export function presentCycle(c: Cycle) {
  return {
    id: c.id,
    name: c.name,
    starts_on: c.startsOn,
    ends_on: c.endsOn,
    status: c.status,
    scored_at: c.scoredAt,
    created_at: c.createdAt,
    review_started_at: c.reviewStartedAt,
    self_due: c.selfDue,
    calibration_due: c.calibrationDue,
    closed_at: c.closedAt,
  };
}

export function presentKr(kr: KeyResult) {
  const { progress } = krProgress(kr);
  return {
    id: kr.id,
    objective_id: kr.objectiveId,
    cycle_id: kr.cycleId,
    title: kr.title,
    kind: kr.kind,
    start_value: kr.startValue,
    target_value: kr.targetValue,
    current_value: kr.currentValue,
    unit: kr.unit,
    direction: kr.direction,
    weight: kr.weight,
    progress_mode: kr.progressMode,
    metric_key: kr.metricKey,
    metric_aggregation: kr.metricAggregation,
    confidence: kr.confidence,
    last_check_in_at: kr.lastCheckInAt,
    position: kr.position,
    status: kr.status,
    /** 0–1 from the KR's own values (core/okr/progress.ts). */
    progress: Math.round(progress * 10000) / 10000,
    created_at: kr.createdAt,
    updated_at: kr.updatedAt,
  };
}

export function presentObjective(o: Objective, krs?: KeyResult[]) {
  return {
    id: o.id,
    cycle_id: o.cycleId,
    title: o.title,
    description: o.description,
    owner_type: o.ownerType,
    owner_id: o.ownerType === 'person' ? o.ownerPersonId : o.ownerType === 'team' ? o.ownerTeamId : null,
    parent_kr_id: o.parentKrId,
    status: o.status,
    position: o.position,
    created_by: o.createdBy,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    ...(krs ? { key_results: krs.map(presentKr) } : {}),
  };
}

export function presentCheckIn(ci: CheckIn) {
  return {
    id: ci.id,
    key_result_id: ci.keyResultId,
    author_id: ci.authorId,
    value: ci.value,
    previous_value: ci.previousValue,
    confidence: ci.confidence,
    note: ci.note,
    source: ci.source,
    created_at: ci.createdAt,
  };
}

export function presentAdjustment(a: Adjustment) {
  return {
    id: a.id,
    cycle_id: a.cycleId,
    objective_id: a.objectiveId,
    key_result_id: a.keyResultId,
    requester_id: a.requesterId,
    approver_id: a.approverId,
    kind: a.kind,
    current: a.current,
    proposed: a.proposed,
    reason: a.reason,
    status: a.status,
    decision_note: a.decisionNote,
    decided_by: a.decidedBy,
    decided_at: a.decidedAt,
    expires_at: a.expiresAt,
    created_at: a.createdAt,
  };
}

// POST /api/v1/people/import: an org chart from HR as a JSON array or CSV.
// Everything is validated and planned first; then one atomic batch writes it,
// so a failed import changes nothing. Rows are numbered as a spreadsheet user
// counts data rows (the first row after the header is row 1).
import Papa from 'papaparse';
import { z } from 'zod';
import type { Statement, Store } from '../../storage/db';
import { newId } from '../../storage/ids';
import { people, teams, type Platform } from '../../storage/schema';
import { auditStatement } from '../../storage/repos/audit';
import { allIdentities, allPeople, allTeams, setIdentityStatements, wouldLoop } from '../../storage/repos/people';
import type { Person } from '../../storage/repos/types';
import { and, eq } from 'drizzle-orm';
import { ApiError, badRequest, conflict } from './errors';
import { isValidTimezone } from '../../core/okr/pace';

export const MAX_IMPORT_ROWS = 20_000;
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

export const IMPORT_COLUMNS = [
  'external_id',
  'name',
  'email',
  'title',
  'team',
  'manager_external_id',
  'coach_external_id',
  'locale',
  'timezone',
  'lark_open_id',
  'wecom_userid',
  'dingtalk_staff_id',
  'role',
  'mobile',
] as const;

type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/**
 * Header names HR exports use, in Chinese and English, for each import column. A header is
 * matched after `headerKey` (case, spaces, `_`, `-`, `.` and full-width forms ignored), so
 * `Employee ID`, `employee_id` and `工号` all name external_id.
 */
export const HEADER_ALIASES: Record<ImportColumn, readonly string[]> = {
  external_id: ['工号', '员工工号', '员工编号', '人员编号', 'employee id', 'employee number', 'emp id', 'staff id'],
  name: ['姓名', '名字', '员工姓名', 'full name', 'employee name'],
  email: ['邮箱', '电子邮箱', '邮件', '邮箱地址', '工作邮箱', 'e-mail', 'mail', 'email address', 'work email'],
  title: ['职位', '岗位', '职务', 'job title', 'position'],
  team: ['部门', '团队', '所属部门', '中心', 'department', 'dept'],
  manager_external_id: [
    '直属上级工号',
    '上级工号',
    '直属领导工号',
    '汇报对象工号',
    'manager id',
    'manager employee id',
    'manager external id',
    'reports to',
  ],
  coach_external_id: ['教练工号', '教研主管工号', 'coach id', 'coach employee id'],
  locale: ['语言', 'language'],
  timezone: ['时区', 'time zone'],
  lark_open_id: ['飞书openid', '飞书 open id', 'lark open id', 'feishu open id'],
  wecom_userid: ['企业微信userid', '企业微信账号', 'wecom user id'],
  dingtalk_staff_id: ['钉钉userid', '钉钉员工id', 'dingtalk user id', 'dingtalk staff id'],
  role: ['角色'],
  mobile: ['手机', '手机号', '手机号码', '移动电话', 'mobile phone', 'mobile number', 'phone', 'cell phone'],
};

/** A header compared loosely: NFKC (full-width → ASCII), lower case, no spaces, `_`, `-`, `.`. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.]+/g, '');
}

const COLUMN_BY_HEADER = new Map<string, ImportColumn>();
for (const column of IMPORT_COLUMNS) {
  COLUMN_BY_HEADER.set(headerKey(column), column);
  for (const alias of HEADER_ALIASES[column]) COLUMN_BY_HEADER.set(headerKey(alias), column);
}

/** The import column a CSV header names, if any. */
export function columnOfHeader(header: string): ImportColumn | undefined {
  return COLUMN_BY_HEADER.get(headerKey(header));
}

const PLATFORM_COLUMNS: Record<Platform, 'lark_open_id' | 'wecom_userid' | 'dingtalk_staff_id'> = {
  lark: 'lark_open_id',
  wecom: 'wecom_userid',
  dingtalk: 'dingtalk_staff_id',
};

export interface RowError {
  row: number;
  field: string;
  message: string;
}

/** A cell: trimmed text; "" and null clear the field; absent (undefined) leaves it unchanged. */
function cell<T extends z.ZodType>(inner: T) {
  return z.preprocess((v) => {
    if (v === undefined || v === null) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string') {
      const t = v.trim();
      return t === '' ? null : t;
    }
    return v;
  }, inner.nullable().optional());
}

const text = (max: number) => z.string().max(max, `at most ${max} characters`);

export function normalizeLocale(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const l = v.trim().toLowerCase().replace('_', '-');
  if (l === '') return null;
  if (l === 'en' || l.startsWith('en-')) return 'en';
  if (l === 'zh' || l.startsWith('zh-')) return 'zh-CN';
  return v;
}

export const LocaleSchema = z.preprocess(
  normalizeLocale,
  z.enum(['zh-CN', 'en'], { message: 'locale must be zh-CN or en' }).nullable().optional(),
);
export const TimezoneSchema = text(64).refine(isValidTimezone, 'not an IANA time zone such as Asia/Shanghai');

const RowSchema = z.object({
  external_id: cell(text(200)).refine((v) => typeof v === 'string', 'required'),
  name: cell(text(200)).refine((v) => typeof v === 'string', 'required'),
  email: cell(z.email('not an email address').max(320)),
  title: cell(text(200)),
  team: cell(text(200)),
  manager_external_id: cell(text(200)),
  coach_external_id: cell(text(200)),
  locale: LocaleSchema,
  timezone: cell(TimezoneSchema),
  lark_open_id: cell(text(200)),
  wecom_userid: cell(text(200)),
  dingtalk_staff_id: cell(text(200)),
  role: cell(z.enum(['member', 'admin'], { message: 'role must be member or admin' })),
  // Digits with an optional + and the separators people type; Excel's 1.38E+10 is refused here.
  mobile: cell(
    z
      .string()
      .max(32, 'at most 32 characters')
      .regex(/^\+?[0-9][0-9 ()-]{3,30}$/, 'not a phone number (digits, optional +, spaces or dashes)'),
  ),
});

type Row = z.infer<typeof RowSchema> & { external_id: string; name: string };

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  teams_created: number;
  /** CSV: how the file was read (`UTF-8`, `UTF-8 BOM`, `GB18030`, …). */
  encoding?: string;
  /** CSV: each header of the file that was read, and the import column it filled. */
  mapped_columns?: Record<string, string>;
  /** Headers (CSV) or keys (JSON) that name no import column and were ignored. */
  ignored_columns: string[];
}

export interface ParsedImport {
  rows: Record<string, unknown>[];
  ignored: string[];
  mapped?: Record<string, string>;
}

/** Turns the request body into raw row objects (JSON array or CSV with a header row). */
export function parseImportBody(type: string, body: string): ParsedImport {
  const textBody = body.replace(/^\uFEFF/, '');
  if (!textBody.trim())
    throw badRequest({
      en: 'The import is empty: send a JSON array of people or a CSV with a header row.',
      zh: '导入内容为空：请发送人员的 JSON 数组，或带表头行的 CSV。',
    });
  if (type === 'text/csv' || type === 'application/csv') return parseCsv(textBody);
  let parsed: unknown;
  try {
    parsed = JSON.parse(textBody);
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw badRequest('Send a JSON array of people (one object per person).');
  const rows = parsed as Record<string, unknown>[];
  const seenKeys = new Set<string>();
  for (const r of rows)
    if (r && typeof r === 'object' && !Array.isArray(r)) for (const k of Object.keys(r)) seenKeys.add(k);
  refuseTooMany(rows.length);
  const known = new Set<string>(IMPORT_COLUMNS);
  return { rows, ignored: [...seenKeys].filter((k) => !known.has(k)).sort() };
}

function refuseTooMany(count: number): void {
  if (count > MAX_IMPORT_ROWS) {
    throw new ApiError(413, 'payload_too_large', {
      en: `The import has ${count} rows; the limit is ${MAX_IMPORT_ROWS} per request. Split the file.`,
      zh: `导入共 ${count} 行，每次最多 ${MAX_IMPORT_ROWS} 行，请拆分文件。`,
    });
  }
}

/** A CSV with a header row; headers are mapped to columns through HEADER_ALIASES. */
function parseCsv(textBody: string): ParsedImport {
  const parsed = Papa.parse<string[]>(textBody, { header: false, skipEmptyLines: 'greedy' });
  const fatal = parsed.errors.filter((e) => e.type === 'Quotes');
  if (fatal.length) {
    throw badRequest(
      { en: 'The CSV could not be read.', zh: 'CSV 文件无法解析（引号不成对）。' },
      fatal.slice(0, 50).map((e) => ({ row: e.row ?? 0, field: '(row)', message: e.message })),
    );
  }
  const [header = [], ...data] = parsed.data;
  const mapped: Record<string, string> = {};
  const ignored: string[] = [];
  const indexOf = new Map<ImportColumn, number>();
  const twice: string[] = [];
  header.forEach((raw, i) => {
    const h = raw.trim();
    if (!h) return;
    const column = columnOfHeader(h);
    if (!column) {
      ignored.push(h);
      return;
    }
    if (indexOf.has(column)) {
      twice.push(`${header[indexOf.get(column)!].trim()} / ${h} → ${column}`);
      return;
    }
    indexOf.set(column, i);
    mapped[h] = column;
  });
  if (twice.length)
    throw badRequest({
      en: `Two headers name the same column: ${twice.join('; ')}. Keep one of them.`,
      zh: `有两个表头对应同一列：${twice.join('；')}。请只保留其中一个。`,
    });
  const missing = (['external_id', 'name'] as const).filter((c) => !indexOf.has(c));
  if (missing.length) {
    const zhNames = missing.map((c) => (c === 'external_id' ? '工号（external_id）' : '姓名（name）'));
    throw badRequest({
      en: `The CSV header lacks the column(s) ${missing.join(', ')} (or 工号 / 姓名); expected ${IMPORT_COLUMNS.join(', ')} or HR's usual headers (工号, 姓名, 邮箱, 职位, 部门, 直属上级工号, 教练工号, 手机).`,
      zh: `CSV 表头缺少 ${zhNames.join('、')} 列。可用的表头：工号、姓名、邮箱、职位、部门、直属上级工号、教练工号、手机，或英文列名 ${IMPORT_COLUMNS.join(', ')}。`,
    });
  }
  const width = header.length;
  const tooWide = data.findIndex((r) => r.length > width && r.slice(width).some((v) => v.trim() !== ''));
  if (tooWide >= 0)
    throw badRequest(
      {
        en: `Row ${tooWide + 1} has more cells than the header; nothing was imported.`,
        zh: `第 ${tooWide + 1} 行的单元格比表头多；未做任何修改。`,
      },
      [{ row: tooWide + 1, field: '(row)', message: 'more cells than the header' }],
    );
  refuseTooMany(data.length);
  // In a CSV every listed column is given for every row: a missing trailing cell clears the field.
  const rows = data.map((r) => Object.fromEntries([...indexOf].map(([column, i]) => [column, r[i] ?? ''])));
  return { rows, ignored: ignored.sort(), mapped };
}

const MAX_DETAILS = 200;

function validateRows(raw: unknown[]): Row[] {
  const errors: RowError[] = [];
  const rows: Row[] = [];
  raw.forEach((r, i) => {
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      errors.push({ row: i + 1, field: '(row)', message: 'each person must be an object' });
      return;
    }
    const result = RowSchema.safeParse(r);
    if (result.success) rows.push(result.data as Row);
    else
      for (const issue of result.error.issues)
        errors.push({ row: i + 1, field: String(issue.path[0] ?? '(row)'), message: issue.message });
  });
  if (errors.length)
    throw badRequest(
      `${new Set(errors.map((e) => e.row)).size} row(s) are invalid; nothing was imported.`,
      errors.slice(0, MAX_DETAILS),
    );
  return rows;
}

/** Same external id, email or platform id on two rows of one file. */
function findDuplicates(rows: Row[]): RowError[] {
  const errors: RowError[] = [];
  const fields = ['external_id', 'email', 'lark_open_id', 'wecom_userid', 'dingtalk_staff_id'] as const;
  for (const field of fields) {
    const firstRow = new Map<string, number>();
    rows.forEach((r, i) => {
      const v = r[field];
      if (typeof v !== 'string') return;
      const key = field === 'email' ? v.toLowerCase() : v;
      const first = firstRow.get(key);
      if (first === undefined) firstRow.set(key, i + 1);
      else errors.push({ row: i + 1, field, message: `${field} "${v}" already appears on row ${first}` });
    });
  }
  return errors;
}

/** Validates, resolves references and returns every write of the import, unexecuted. */
export async function planImport(
  store: Store,
  orgId: string,
  raw: unknown[],
  now: Date,
): Promise<{ statements: Statement[]; result: Omit<ImportResult, 'ignored_columns'> }> {
  const rows = validateRows(raw);
  const duplicates = findDuplicates(rows);
  if (duplicates.length)
    throw badRequest(
      'The file lists the same person or id more than once; nothing was imported.',
      duplicates.slice(0, MAX_DETAILS),
    );

  const [stored, storedIdentities, storedTeams] = await Promise.all([
    allPeople(store, orgId),
    allIdentities(store, orgId),
    allTeams(store, orgId),
  ]);
  const byExternal = new Map(stored.map((p) => [p.externalId, p]));
  const byId = new Map(stored.map((p) => [p.id, p]));
  const byEmail = new Map(stored.filter((p) => p.email).map((p) => [p.email!.toLowerCase(), p]));
  const identityOwner = new Map(storedIdentities.map((i) => [`${i.platform}:${i.platformUserId}`, i.personId]));
  const teamByName = new Map(storedTeams.map((t) => [t.name, t]));

  // Ids for every row first, so references resolve in any order.
  const idOf = new Map<string, string>();
  const rowOfPerson = new Map<string, Row>();
  for (const r of rows) {
    const id = byExternal.get(r.external_id)?.id ?? newId('p');
    idOf.set(r.external_id, id);
    rowOfPerson.set(id, r);
  }

  const errors: RowError[] = [];
  const conflicts: RowError[] = [];
  const newTeams = new Map<string, string>();
  const resolveRef = (
    r: Row,
    i: number,
    field: 'manager_external_id' | 'coach_external_id',
    current: string | null | undefined,
  ) => {
    const ref = r[field];
    if (ref === undefined) return current ?? null;
    if (ref === null) return null;
    const id = idOf.get(ref) ?? byExternal.get(ref)?.id;
    if (!id)
      errors.push({
        row: i + 1,
        field,
        message: `no person with external_id "${ref}" in this file or already imported`,
      });
    else if (ref === r.external_id)
      errors.push({ row: i + 1, field, message: 'a person cannot be their own manager or coach' });
    return id ?? null;
  };

  const finalManager = new Map<string, string | null>(stored.map((p) => [p.id, p.managerId]));
  const plans: {
    row: Row;
    id: string;
    existing?: Person;
    managerId: string | null;
    coachId: string | null;
    teamId: string | null;
  }[] = [];
  rows.forEach((r, i) => {
    const id = idOf.get(r.external_id)!;
    const existing = byExternal.get(r.external_id);
    const managerId = resolveRef(r, i, 'manager_external_id', existing?.managerId);
    const coachId = resolveRef(r, i, 'coach_external_id', existing?.coachId);
    let teamId: string | null = existing?.teamId ?? null;
    if (r.team === null) teamId = null;
    else if (typeof r.team === 'string') {
      teamId = teamByName.get(r.team)?.id ?? newTeams.get(r.team) ?? newId('team');
      if (!teamByName.has(r.team)) newTeams.set(r.team, teamId);
    }
    if (typeof r.email === 'string') {
      const owner = byEmail.get(r.email.toLowerCase());
      const ownerRow = owner && owner.id !== id ? rowOfPerson.get(owner.id) : undefined;
      const released =
        ownerRow && ownerRow.email !== undefined && ownerRow.email?.toLowerCase() !== r.email.toLowerCase();
      if (owner && owner.id !== id && !released)
        conflicts.push({
          row: i + 1,
          field: 'email',
          message: `email ${r.email} already belongs to ${owner.name} (external_id ${owner.externalId})`,
        });
    }
    for (const [platform, column] of Object.entries(PLATFORM_COLUMNS) as [
      Platform,
      (typeof PLATFORM_COLUMNS)[Platform],
    ][]) {
      const value = r[column];
      if (typeof value !== 'string') continue;
      const ownerId = identityOwner.get(`${platform}:${value}`);
      if (!ownerId || ownerId === id) continue;
      const ownerRow = rowOfPerson.get(ownerId);
      const released = ownerRow && ownerRow[column] !== undefined && ownerRow[column] !== value;
      if (!released) {
        const owner = byId.get(ownerId);
        conflicts.push({
          row: i + 1,
          field: column,
          message: `${column} ${value} is already bound to ${owner?.name ?? ownerId} (external_id ${owner?.externalId ?? '?'})`,
        });
      }
    }
    finalManager.set(id, managerId);
    plans.push({ row: r, id, existing, managerId, coachId, teamId });
  });
  plans.forEach((p, i) => {
    if (p.managerId && p.managerId !== p.id && wouldLoop((x) => finalManager.get(x), p.id, p.managerId)) {
      errors.push({ row: i + 1, field: 'manager_external_id', message: 'this manager chain loops back to the person' });
    }
  });
  if (errors.length)
    throw badRequest('Some references cannot be resolved; nothing was imported.', errors.slice(0, MAX_DETAILS));
  if (conflicts.length)
    throw conflict(
      'Some emails or platform ids belong to other people; nothing was imported.',
      conflicts.slice(0, MAX_DETAILS),
    );

  const at = now.toISOString();
  const statements: Statement[] = [];
  for (const [name, id] of newTeams) statements.push(store.db.insert(teams).values({ id, orgId, name, createdAt: at }));
  // Release emails that change hands first: unique indexes are checked per statement.
  for (const p of plans) {
    if (
      p.existing?.email &&
      p.row.email !== undefined &&
      p.row.email?.toLowerCase() !== p.existing.email.toLowerCase()
    ) {
      statements.push(
        store.db
          .update(people)
          .set({ email: null })
          .where(and(eq(people.orgId, orgId), eq(people.id, p.id))),
      );
    }
  }
  const identityWrites: Statement[] = [];
  let created = 0;
  for (const { row: r, id, existing, managerId, coachId, teamId } of plans) {
    const email = r.email === undefined ? undefined : (r.email?.toLowerCase() ?? null);
    if (existing) {
      const set: Partial<Person> = { name: r.name, managerId, coachId, teamId, updatedAt: at };
      if (email !== undefined) set.email = email;
      if (r.title !== undefined) set.title = r.title;
      if (r.locale !== undefined) set.locale = r.locale ?? 'zh-CN';
      if (r.timezone !== undefined) set.timezone = r.timezone;
      if (r.role !== undefined) set.role = r.role ?? 'member';
      if (r.mobile !== undefined) set.mobile = r.mobile;
      statements.push(
        store.db
          .update(people)
          .set(set)
          .where(and(eq(people.orgId, orgId), eq(people.id, id))),
      );
    } else {
      created++;
      statements.push(
        store.db.insert(people).values({
          id,
          orgId,
          externalId: r.external_id,
          name: r.name,
          email: email ?? null,
          title: r.title ?? null,
          mobile: r.mobile ?? null,
          teamId,
          managerId,
          coachId,
          role: r.role ?? 'member',
          locale: r.locale ?? 'zh-CN',
          timezone: r.timezone ?? null,
          createdAt: at,
          updatedAt: at,
        }),
      );
    }
    for (const [platform, column] of Object.entries(PLATFORM_COLUMNS) as [
      Platform,
      (typeof PLATFORM_COLUMNS)[Platform],
    ][]) {
      const value = r[column];
      if (value === undefined) continue;
      const [remove, ...insert] = setIdentityStatements(store, orgId, id, platform, value);
      statements.push(remove); // every release before any new binding
      identityWrites.push(...insert);
    }
  }
  statements.push(...identityWrites);
  const result = { rows: rows.length, created, updated: rows.length - created, teams_created: newTeams.size };
  statements.push(
    auditStatement(store, {
      orgId,
      actorType: 'admin',
      action: 'people.import',
      entityType: 'org',
      entityId: orgId,
      data: result,
      now,
    }),
  );
  return { statements, result };
}

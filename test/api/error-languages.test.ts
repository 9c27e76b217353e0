// Issue 19: every API error carries a Chinese message (`message_zh`) beside the English one,
// written by the one error helper (src/api/errors.ts) whatever route or middleware refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app';

let t: ReturnType<typeof createTestApp>;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const han = /[\u4e00-\u9fff]/;

async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { code: string; message: string; message_zh: string } };
  // Never a mix within one field: English has no Han characters (but quoted user input), Chinese has them.
  expect(body.error.message_zh).toMatch(han);
  return body.error;
}

describe('API errors in both languages', () => {
  it('authentication, unknown routes and unknown ids', async () => {
    const none = await t.app.request('/api/v1/teams');
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Bearer/) });

    const route = await t.api('GET', '/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(await errorOf(route)).toMatchObject({ message_zh: '没有 GET /api/v1/nothing-here 这个接口。' });

    const team = await t.api('GET', '/api/v1/teams/team_missing');
    expect(await errorOf(team)).toEqual({
      code: 'not_found',
      message: 'Team team_missing does not exist',
      message_zh: '团队 team_missing 不存在。',
    });
  });

  it('validation, media type and size refusals', async () => {
    const invalid = await t.api('POST', '/api/v1/teams', { name: '' });
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).message_zh).toBe('请求内容有误，未做任何修改。');

    const json = await t.api('POST', '/api/v1/teams', '{', { 'content-type': 'application/json' });
    expect((await errorOf(json)).code).toBe('invalid_json');

    const type = await t.api('POST', '/api/v1/people/import', 'x', { 'content-type': 'text/plain' });
    expect(type.status).toBe(415);
    await errorOf(type);

    const big = await t.api('POST', '/api/v1/teams', 'x'.repeat(2 * 1024 * 1024), {
      'content-type': 'application/json',
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).message_zh).toMatch(/请求体超过/);
  });
});

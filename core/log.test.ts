import { describe, expect, it } from 'vitest';
import { PolarisError } from './errors';
import { createLogger, type LogLevel, logOptionsFromEnv, REDACTED, redact, redactText } from './log';

function recorder(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: { level: LogLevel; line: string }[] = [];
  const logger = createLogger({
    now: () => new Date('2026-03-02T01:02:03.000Z'),
    ...options,
    sink: (level, line) => lines.push({ level, line }),
  });
  return { logger, lines };
}

describe('logger', () => {
  it('drops lines below the level and writes the rest with their level', () => {
    const { logger, lines } = recorder({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(logger.enabled('info')).toBe(false);
  });

  it('writes one JSON object per line with LOG_FORMAT=json, context included', () => {
    const { logger, lines } = recorder({ format: 'json' });
    logger.child({ org: 'demo', platform: 'lark' }).child({ job: 'weekly-digest' }).info('sent', { count: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0].line).not.toContain('\n');
    expect(JSON.parse(lines[0].line)).toEqual({
      time: '2026-03-02T01:02:03.000Z',
      level: 'info',
      msg: 'sent',
      org: 'demo',
      platform: 'lark',
      job: 'weekly-digest',
      count: 3,
    });
  });

  it('writes readable text by default, errors with their code and stack', () => {
    const { logger, lines } = recorder();
    const error = new PolarisError('invalid_credentials', 'WeCom errcode 40001: check WECOM_SECRET');
    logger.child({ platform: 'wecom' }).error('outbox row failed', { err: error });
    const [first, ...rest] = lines[0].line.split('\n');
    expect(first).toBe('2026-03-02T01:02:03.000Z ERROR outbox row failed platform=wecom');
    expect(rest.join('\n')).toContain('PolarisError: WeCom errcode 40001');
    expect(rest.join('\n')).toContain('code=invalid_credentials');
  });

  it('reads LOG_LEVEL and LOG_FORMAT, falling back to info and pretty', () => {
    expect(logOptionsFromEnv({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'json' })).toEqual({ level: 'debug', format: 'json' });
    expect(logOptionsFromEnv({ LOG_LEVEL: 'loud', LOG_FORMAT: 'xml' })).toEqual({ level: 'info', format: 'pretty' });
    expect(logOptionsFromEnv({ LOG_LEVEL: 'constructor' }).level).toBe('info');
    expect(logOptionsFromEnv({ LOG_LEVEL: 'warning' })).toEqual({ level: 'warn', format: 'pretty' });
  });
});

describe('redaction: a secret never reaches the output', () => {
  const secrets = {
    appSecret: 'lark-app-secret-value',
    WECOM_SECRET: 'wecom-secret-value',
    verificationToken: 'verification-token-value',
    encryptKey: 'encrypt-key-value',
    encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    password: 'hunter2-value',
    Authorization: 'Bearer bearer-value',
    clientSecret: 'dingtalk-secret-value',
    nested: { deeper: [{ access_token: 'access-token-value' }] },
  };

  it('blanks values under secret-looking keys, however deep, in both formats', () => {
    for (const format of ['json', 'pretty'] as const) {
      const { logger, lines } = recorder({ format });
      logger.child({ adminToken: 'admin-token-value' }).warn('config', { ...secrets, org: 'demo' });
      const out = lines[0].line;
      for (const value of [...Object.values(secrets).filter((v) => typeof v === 'string'), 'access-token-value'])
        expect(out, `${format}: ${value}`).not.toContain(value);
      expect(out).not.toContain('admin-token-value');
      expect(out).toContain(REDACTED);
      expect(out).toContain('demo');
    }
  });

  it('blanks credentials inside messages, URLs, error messages and causes', () => {
    const { logger, lines } = recorder({ format: 'json' });
    const cause = new Error('GET /cgi-bin/gettoken?corpid=ww1&corpsecret=cause-secret-value failed');
    const error = new Error('fetch https://x/send?access_token=url-token-value&debug=1', { cause });
    (error as Error & { token?: string }).token = 'property-token-value';
    logger.error('call failed with Authorization: Bearer header-token-value and LARK_APP_SECRET=env-secret-value', {
      err: error,
    });
    const out = lines[0].line;
    for (const value of [
      'cause-secret-value',
      'url-token-value',
      'property-token-value',
      'header-token-value',
      'env-secret-value',
    ])
      expect(out).not.toContain(value);
    expect(out).toContain('corpid=ww1');
    expect(out).toContain('debug=1');
  });

  it('keeps ordinary values and survives cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(redact({ cyclic, count: 2, when: new Date(0) })).toEqual({
      cyclic: { name: 'a', self: '[circular]' },
      count: 2,
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(redactText('LARK_DOMAIN=http://localhost:9000 is fine')).toBe('LARK_DOMAIN=http://localhost:9000 is fine');
  });
});

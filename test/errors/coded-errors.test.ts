import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors';
import { DeliveryError, LoginCodeError } from '../../bots/types';
import { asCodedError, ErrorCode, isCodedError, PolarisError } from '../../core/errors';

describe('coded errors', () => {
  it('carry a stable code and their own name, also in JSON', () => {
    const api = new ApiError(404, 'not_found', 'Objective obj_1 does not exist');
    expect(api).toBeInstanceOf(PolarisError);
    expect(JSON.parse(JSON.stringify(api))).toEqual({
      name: 'ApiError',
      code: 'not_found',
      message: 'Objective obj_1 does not exist',
    });
    const delivery = new DeliveryError('Lark error 230020: rate limited', true, 1000, 230020, 'app');
    expect(delivery).toMatchObject({ name: 'DeliveryError', code: 'rate_limited', platformCode: 230020 });
    expect(new LoginCodeError('expired', 20003)).toMatchObject({ name: 'LoginCodeError', code: 'login_code_rejected' });
  });

  it('asCodedError keeps coded errors and wraps anything else as internal with the cause', () => {
    const coded = new DeliveryError('x', false);
    expect(asCodedError(coded)).toBe(coded);
    const sqlite = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(asCodedError(sqlite).code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    const plain = new TypeError('boom');
    const wrapped = asCodedError(plain);
    expect(wrapped).toMatchObject({ code: 'internal', message: 'boom', cause: plain });
    expect(asCodedError('text')).toMatchObject({ code: 'internal', message: 'text' });
    expect(asCodedError({ odd: 1 }).message).toBe('{"odd":1}');
    expect(isCodedError(Object.assign(new Error('n'), { code: 42 }))).toBe(false);
  });

  it('codes are unique: no two names share a value', () => {
    const values = Object.values(ErrorCode);
    expect(new Set(values).size).toBe(values.length);
  });
});

import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/adjustments
export const adjustmentsRoutes = new Hono<AppEnv>();

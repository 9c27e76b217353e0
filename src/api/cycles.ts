import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/cycles
export const cyclesRoutes = new Hono<AppEnv>();

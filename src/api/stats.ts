import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/stats
export const statsRoutes = new Hono<AppEnv>();

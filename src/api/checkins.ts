import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/checkins
export const checkinsRoutes = new Hono<AppEnv>();

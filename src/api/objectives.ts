import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/objectives
export const objectivesRoutes = new Hono<AppEnv>();

import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/people
export const peopleRoutes = new Hono<AppEnv>();

import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/teams
export const teamsRoutes = new Hono<AppEnv>();

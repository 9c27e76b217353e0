import { Hono } from 'hono';
import type { AppEnv } from '../app';

// TODO(owner): routes for /api/v1/tree
export const treeRoutes = new Hono<AppEnv>();

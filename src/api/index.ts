// /api/v1: the admin and integration API. One file per resource; each exports
// a Hono sub-app mounted here.
import { Hono } from 'hono';
import type { AppEnv } from '../app';
import { requireToken } from './auth';
import { peopleRoutes } from './people';
import { teamsRoutes } from './teams';
import { cyclesRoutes } from './cycles';
import { objectivesRoutes } from './objectives';
import { checkinsRoutes } from './checkins';
import { treeRoutes } from './tree';
import { statsRoutes } from './stats';
import { adjustmentsRoutes } from './adjustments';

export function createApi() {
  const api = new Hono<AppEnv>();
  api.use('*', requireToken('admin'));
  api.route('/people', peopleRoutes);
  api.route('/teams', teamsRoutes);
  api.route('/cycles', cyclesRoutes);
  api.route('/objectives', objectivesRoutes);
  api.route('/key-results', checkinsRoutes);
  api.route('/tree', treeRoutes);
  api.route('/stats', statsRoutes);
  api.route('/adjustments', adjustmentsRoutes);
  return api;
}

// /api/v1: the admin and integration API. One file per resource; each exports
// a Hono sub-app mounted here.
import { Hono } from 'hono';
import type { AppEnv } from '../services';
import { requireToken } from './auth';
import { peopleRoutes } from './people';
import { teamsRoutes } from './teams';
import { cyclesRoutes } from './cycles';
import { exportRoutes } from './export';
import { reviewRoutes } from './review';
import { objectivesRoutes } from './objectives';
import { checkinsRoutes } from './checkins';
import { treeRoutes } from './tree';
import { statsRoutes } from './stats';
import { rollupsRoutes } from './rollups';
import { adjustmentsRoutes } from './adjustments';
import { isIngestRequest, metricsRoutes, requireIngestOrAdmin } from './metrics';
import { flagsRoutes, rulesRoutes } from './rules';
import { orgsRoutes } from './orgs';
import { directoryRoutes } from './directory';
import { outboxRoutes } from './outbox';
import { connectorsRoutes } from './connectors';
import { webhooksRoutes } from './webhooks';

export function createApi() {
  const api = new Hono<AppEnv>();
  const adminOnly = requireToken('admin');
  // POST /metrics is the one route an integration's INGEST_TOKEN may call.
  api.use('*', (c, next) => (isIngestRequest(c.req.method, c.req.path) ? requireIngestOrAdmin : adminOnly)(c, next));
  api.route('/people', peopleRoutes);
  api.route('/teams', teamsRoutes);
  api.route('/cycles', cyclesRoutes);
  api.route('/cycles', exportRoutes);
  api.route('/cycles', reviewRoutes);
  api.route('/objectives', objectivesRoutes);
  api.route('/key-results', checkinsRoutes);
  api.route('/tree', treeRoutes);
  api.route('/stats', statsRoutes);
  api.route('/rollups', rollupsRoutes);
  api.route('/adjustments', adjustmentsRoutes);
  api.route('/metrics', metricsRoutes);
  api.route('/rules', rulesRoutes);
  api.route('/flags', flagsRoutes);
  api.route('/orgs', orgsRoutes);
  api.route('/directory', directoryRoutes);
  api.route('/outbox', outboxRoutes);
  api.route('/connectors', connectorsRoutes);
  api.route('/webhooks', webhooksRoutes);
  return api;
}

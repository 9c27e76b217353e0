// The one list of scheduled jobs. Digests and reminders live in jobs/; rule
// evaluation and the approval sweep are app logic (src/rules, src/approvals),
// so the list is wired here, above both, and everything that runs jobs (node-cron,
// the Worker's scheduled(), the CLI, the API) takes it from this file.
import { checkinReminders } from '../jobs/checkin-reminders';
import { createJobRegistry } from '../jobs/registry';
import { retention } from '../jobs/retention';
import { rollupsPace } from '../jobs/rollups-pace';
import { weeklyDigestJob } from '../jobs/weekly-digest';
import type { Services } from './services';
import { adjustmentSweep } from './approvals/job';
import { directorySync } from './directory/job';
import { rulesEvaluate } from './rules/job';
import { outboxFailures } from './outbox/job';
import { connectorsRun } from './connectors/job';
import { reviewSweep } from '../jobs/review-sweep';
import { autoStartReviews, dueCalibrationCards, healFinalMessages } from './review/sweep';
import { digestMostImproved } from './review/improved';

export const jobRegistry = createJobRegistry<Services>([
  weeklyDigestJob<Services>({ mostImproved: digestMostImproved }),
  checkinReminders,
  adjustmentSweep,
  rulesEvaluate,
  directorySync,
  retention,
  rollupsPace,
  outboxFailures,
  connectorsRun,
  reviewSweep<Services>({
    autoStart: autoStartReviews,
    calibrationCards: dueCalibrationCards,
    finalMessages: healFinalMessages,
  }),
]);

export const { jobs, findJob, runDueJobs, runJobNow } = jobRegistry;
export { scheduleFor } from '../jobs/registry';
export type { RunResult, TickOptions } from '../jobs/registry';

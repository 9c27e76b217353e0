ALTER TABLE `job_runs` ADD `owner` text;--> statement-breakpoint
CREATE INDEX `outbox_pending_age` ON `outbox` (`status`,`created_at`);
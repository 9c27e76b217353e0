DROP INDEX `outbox_failed`;--> statement-breakpoint
CREATE INDEX `outbox_failed` ON `outbox` (`org_id`,`platform`,`failed_at`) WHERE status = 'failed';
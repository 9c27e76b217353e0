DROP INDEX `outbox_due`;--> statement-breakpoint
DROP INDEX `outbox_recipient`;--> statement-breakpoint
DROP INDEX `outbox_platform_due`;--> statement-breakpoint
DROP INDEX `outbox_failed`;--> statement-breakpoint
CREATE INDEX `outbox_platform_due` ON `outbox` (`platform`,`next_attempt_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `outbox_failed` ON `outbox` (`failed_at`) WHERE status = 'failed';
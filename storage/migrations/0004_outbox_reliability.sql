CREATE TABLE `send_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`recipient` text NOT NULL,
	`at` integer NOT NULL,
	`cost` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `send_log_app` ON `send_log` (`platform`,`at`);--> statement-breakpoint
CREATE INDEX `send_log_recipient` ON `send_log` (`platform`,`recipient`,`at`);--> statement-breakpoint
CREATE TABLE `send_pauses` (
	`platform` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL,
	`strikes` integer DEFAULT 1 NOT NULL,
	`reason` text
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `first_error_at` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `failed_at` text;--> statement-breakpoint
CREATE INDEX `outbox_platform_due` ON `outbox` (`platform`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_failed` ON `outbox` (`status`,`failed_at`);
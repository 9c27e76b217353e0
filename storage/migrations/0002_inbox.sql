CREATE TABLE `inbox` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`event_id` text NOT NULL,
	`event` text NOT NULL,
	`received_at` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_event` ON `inbox` (`platform`,`event_id`);--> statement-breakpoint
CREATE INDEX `inbox_due` ON `inbox` (`status`,`id`);
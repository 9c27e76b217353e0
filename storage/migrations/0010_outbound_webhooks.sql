CREATE TABLE `webhook_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`secret` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`paused_at` text,
	`paused_reason` text,
	`last_success_at` text,
	`last_failure_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `webhook_subscriptions_org` ON `webhook_subscriptions` (`org_id`);--> statement-breakpoint
CREATE INDEX `outbox_recipient_order` ON `outbox` (`platform`,`recipient_key`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `rule_firings_pass` ON `rule_firings` (`rule_id`,`fired_at`);
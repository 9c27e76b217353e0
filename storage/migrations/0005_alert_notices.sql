CREATE TABLE `alert_notices` (
	`person_id` text NOT NULL,
	`firing_id` text NOT NULL,
	`org_id` text NOT NULL,
	`day` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`person_id`, `firing_id`)
);
--> statement-breakpoint
CREATE INDEX `alert_notices_day` ON `alert_notices` (`person_id`,`day`);--> statement-breakpoint
CREATE INDEX `alert_notices_firing` ON `alert_notices` (`firing_id`);--> statement-breakpoint
ALTER TABLE `people` ADD `last_platform` text;--> statement-breakpoint
ALTER TABLE `rule_firings` ADD `notice` text;--> statement-breakpoint
CREATE INDEX `rule_firings_notice` ON `rule_firings` (`org_id`,`notice`);--> statement-breakpoint
ALTER TABLE `rules` ADD `baseline_at` text;
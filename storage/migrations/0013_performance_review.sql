CREATE TABLE `review_objectives` (
	`review_id` text NOT NULL,
	`objective_id` text NOT NULL,
	`org_id` text NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`weight` real NOT NULL,
	`progress` real NOT NULL,
	`computed_score` real NOT NULL,
	`self_score` real,
	`note` text,
	`self_at` text,
	PRIMARY KEY(`review_id`, `objective_id`)
);
--> statement-breakpoint
CREATE TABLE `reviews` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`cycle_id` text NOT NULL,
	`person_id` text NOT NULL,
	`manager_id` text,
	`team_id` text,
	`computed_score` real NOT NULL,
	`self_score` real,
	`self_at` text,
	`retrospective` text,
	`calibrated_score` real,
	`calibrated_by` text,
	`calibration_reason` text,
	`calibrated_at` text,
	`appeal_reason` text,
	`appeal_at` text,
	`appeal_decider_id` text,
	`appeal_status` text,
	`appeal_decided_by` text,
	`appeal_decided_at` text,
	`appeal_note` text,
	`final_score` real,
	`reminded_at` text,
	`calibration_sent_at` text,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reviews_cycle_person` ON `reviews` (`cycle_id`,`person_id`);--> statement-breakpoint
CREATE INDEX `reviews_cycle_manager` ON `reviews` (`cycle_id`,`manager_id`);--> statement-breakpoint
CREATE INDEX `reviews_person` ON `reviews` (`person_id`);--> statement-breakpoint
ALTER TABLE `cycles` ADD `review_started_at` text;--> statement-breakpoint
ALTER TABLE `cycles` ADD `self_due` text;--> statement-breakpoint
ALTER TABLE `cycles` ADD `calibration_due` text;--> statement-breakpoint
ALTER TABLE `cycles` ADD `closed_at` text;
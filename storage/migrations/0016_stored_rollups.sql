CREATE TABLE `objective_rollups` (
	`objective_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`cycle_id` text NOT NULL,
	`owner_type` text NOT NULL,
	`owner_rank` integer DEFAULT 2 NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`parent_kr_id` text,
	`parent_objective_id` text,
	`rollup_kr_id` text,
	`progress` real NOT NULL,
	`min_confidence` real,
	`has_check_in` integer NOT NULL,
	`rolled` text DEFAULT '{}' NOT NULL,
	`sig` text NOT NULL,
	`eligible` integer NOT NULL,
	`aligned` integer NOT NULL,
	`status` text NOT NULL,
	`score10` integer NOT NULL,
	`kr_counts` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `objective_rollups_feed` ON `objective_rollups` (`rollup_kr_id`,`objective_id`,`progress`,`has_check_in`);--> statement-breakpoint
CREATE INDEX `objective_rollups_parent` ON `objective_rollups` (`parent_objective_id`);--> statement-breakpoint
CREATE INDEX `objective_rollups_children` ON `objective_rollups` (`org_id`,`cycle_id`,`parent_objective_id`,`owner_rank`,`position`,`objective_id`,`parent_kr_id`);--> statement-breakpoint
CREATE TABLE `rollup_dirty` (
	`objective_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`n` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rollup_totals` (
	`org_id` text NOT NULL,
	`cycle_id` text NOT NULL,
	`expected` real NOT NULL,
	`totals` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`org_id`, `cycle_id`)
);

ALTER TABLE `people` ADD `mobile` text;--> statement-breakpoint
ALTER TABLE `people` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `people` ADD `manager_set_by_hand` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `people` ADD `team_set_by_hand` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `teams` ADD `external_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `teams_org_external_key` ON `teams` (`org_id`,`external_key`);
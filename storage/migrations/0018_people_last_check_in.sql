ALTER TABLE `people` ADD `last_check_in_at` text;--> statement-breakpoint
CREATE INDEX `people_org_status_checkin` ON `people` (`org_id`,`status`,`last_check_in_at`);
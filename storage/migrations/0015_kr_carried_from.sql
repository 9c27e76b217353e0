ALTER TABLE `key_results` ADD `carried_from_id` text;--> statement-breakpoint
CREATE INDEX `key_results_carried_from` ON `key_results` (`carried_from_id`);
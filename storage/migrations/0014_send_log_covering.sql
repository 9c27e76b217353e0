DROP INDEX `send_log_app`;--> statement-breakpoint
DROP INDEX `send_log_recipient`;--> statement-breakpoint
CREATE INDEX `send_log_app` ON `send_log` (`platform`,`at`,`cost`);--> statement-breakpoint
CREATE INDEX `send_log_recipient` ON `send_log` (`platform`,`recipient`,`at`,`cost`);
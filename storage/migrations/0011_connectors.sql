CREATE TABLE `connectors` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`schedule` text NOT NULL,
	`source` text NOT NULL,
	`mapping` text,
	`secret` text,
	`last_slot_at` text,
	`last_run_at` text,
	`last_status` text,
	`last_error` text,
	`last_result` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`retry_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `connectors_org_name` ON `connectors` (`org_id`,`name`);
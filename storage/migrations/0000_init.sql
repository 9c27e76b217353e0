CREATE TABLE `adjustments` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`cycle_id` text,
	`objective_id` text,
	`key_result_id` text,
	`requester_id` text NOT NULL,
	`approver_id` text,
	`kind` text NOT NULL,
	`current` text,
	`proposed` text NOT NULL,
	`reason` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`decision_note` text,
	`decided_by` text,
	`decided_at` text,
	`reminded_at` text,
	`expires_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `adjustments_org_status` ON `adjustments` (`org_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `adjustments_approver` ON `adjustments` (`approver_id`,`status`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`actor_type` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`entity_type` text,
	`entity_id` text,
	`data` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_org_time` ON `audit_log` (`org_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `audit_entity` ON `audit_log` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE TABLE `check_ins` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`key_result_id` text NOT NULL,
	`author_id` text,
	`value` real NOT NULL,
	`previous_value` real,
	`confidence` integer,
	`note` text,
	`source` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`key_result_id`) REFERENCES `key_results`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `check_ins_kr_time` ON `check_ins` (`key_result_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `check_ins_author_time` ON `check_ins` (`author_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `check_ins_org_time` ON `check_ins` (`org_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `claims` (
	`key` text PRIMARY KEY NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversations` (
	`key` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`person_id` text NOT NULL,
	`flow` text NOT NULL,
	`step` text NOT NULL,
	`data` text NOT NULL,
	`expires_at` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `cycles` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`starts_on` text NOT NULL,
	`ends_on` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`scored_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cycles_org_name` ON `cycles` (`org_id`,`name`);--> statement-breakpoint
CREATE TABLE `delegations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`from_person_id` text NOT NULL,
	`to_person_id` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `delegations_from` ON `delegations` (`from_person_id`,`ends_at`);--> statement-breakpoint
CREATE TABLE `identities` (
	`org_id` text NOT NULL,
	`person_id` text NOT NULL,
	`platform` text NOT NULL,
	`platform_user_id` text NOT NULL,
	PRIMARY KEY(`org_id`, `platform`, `platform_user_id`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identities_person_platform` ON `identities` (`person_id`,`platform`);--> statement-breakpoint
CREATE INDEX `identities_platform_user` ON `identities` (`platform`,`platform_user_id`);--> statement-breakpoint
CREATE TABLE `job_runs` (
	`job` text NOT NULL,
	`org_id` text NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`cursor` text,
	`stats` text,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`heartbeat_at` text,
	`finished_at` text,
	PRIMARY KEY(`job`, `org_id`, `period`)
);
--> statement-breakpoint
CREATE TABLE `key_results` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`objective_id` text NOT NULL,
	`cycle_id` text NOT NULL,
	`title` text NOT NULL,
	`kind` text DEFAULT 'number' NOT NULL,
	`start_value` real DEFAULT 0 NOT NULL,
	`target_value` real NOT NULL,
	`current_value` real DEFAULT 0 NOT NULL,
	`unit` text,
	`direction` text DEFAULT 'up' NOT NULL,
	`weight` real DEFAULT 1 NOT NULL,
	`progress_mode` text DEFAULT 'manual' NOT NULL,
	`metric_key` text,
	`metric_aggregation` text,
	`confidence` integer,
	`last_check_in_at` text,
	`position` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`objective_id`) REFERENCES `objectives`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `key_results_objective` ON `key_results` (`objective_id`);--> statement-breakpoint
CREATE INDEX `key_results_cycle` ON `key_results` (`cycle_id`);--> statement-breakpoint
CREATE TABLE `metric_points` (
	`org_id` text NOT NULL,
	`metric` text NOT NULL,
	`subject` text NOT NULL,
	`at` text NOT NULL,
	`value` real NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`org_id`, `metric`, `subject`, `at`)
);
--> statement-breakpoint
CREATE TABLE `objectives` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`cycle_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text,
	`owner_type` text NOT NULL,
	`owner_person_id` text,
	`owner_team_id` text,
	`parent_kr_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_by` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`cycle_id`) REFERENCES `cycles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `objectives_cycle` ON `objectives` (`cycle_id`,`status`);--> statement-breakpoint
CREATE INDEX `objectives_owner_person` ON `objectives` (`owner_person_id`);--> statement-breakpoint
CREATE INDEX `objectives_owner_team` ON `objectives` (`owner_team_id`);--> statement-breakpoint
CREATE INDEX `objectives_parent_kr` ON `objectives` (`parent_kr_id`);--> statement-breakpoint
CREATE TABLE `organizations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organizations_slug_unique` ON `organizations` (`slug`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text,
	`platform` text NOT NULL,
	`operation` text NOT NULL,
	`target` text NOT NULL,
	`payload` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`subject` text,
	`recipient_key` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`locked_until` text,
	`last_error` text,
	`sent_ref` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`sent_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_idempotency_key_unique` ON `outbox` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_subject` ON `outbox` (`subject`);--> statement-breakpoint
CREATE INDEX `outbox_recipient` ON `outbox` (`platform`,`recipient_key`,`sent_at`);--> statement-breakpoint
CREATE TABLE `people` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`external_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`title` text,
	`team_id` text,
	`manager_id` text,
	`coach_id` text,
	`role` text DEFAULT 'member' NOT NULL,
	`locale` text DEFAULT 'zh-CN' NOT NULL,
	`timezone` text,
	`paused_until` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `people_org_external` ON `people` (`org_id`,`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `people_org_email` ON `people` (`org_id`,`email`);--> statement-breakpoint
CREATE INDEX `people_manager` ON `people` (`manager_id`);--> statement-breakpoint
CREATE INDEX `people_team` ON `people` (`team_id`);--> statement-breakpoint
CREATE TABLE `person_flags` (
	`person_id` text NOT NULL,
	`flag` text NOT NULL,
	`org_id` text NOT NULL,
	`rule_id` text,
	`observe_only` integer DEFAULT false NOT NULL,
	`set_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`person_id`, `flag`)
);
--> statement-breakpoint
CREATE TABLE `platform_tenants` (
	`platform` text NOT NULL,
	`tenant_key` text NOT NULL,
	`org_id` text NOT NULL,
	PRIMARY KEY(`platform`, `tenant_key`),
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `processed_events` (
	`platform` text NOT NULL,
	`event_id` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`platform`, `event_id`)
);
--> statement-breakpoint
CREATE TABLE `rule_firings` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`subject` text NOT NULL,
	`period` text NOT NULL,
	`state` text NOT NULL,
	`data` text,
	`fired_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`resolved_at` text,
	`acknowledged_by` text,
	`acknowledged_at` text,
	`escalated_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rule_firings_once` ON `rule_firings` (`rule_id`,`subject`,`period`);--> statement-breakpoint
CREATE INDEX `rule_firings_state` ON `rule_firings` (`org_id`,`state`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`mode` text DEFAULT 'observe' NOT NULL,
	`builtin` text,
	`definition` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`parent_id` text,
	`manager_id` text,
	`timezone` text,
	`lark_chat_id` text,
	`wecom_chat_id` text,
	`dingtalk_conversation_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `organizations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_org_name` ON `teams` (`org_id`,`name`);--> statement-breakpoint
CREATE INDEX `teams_parent` ON `teams` (`parent_id`);
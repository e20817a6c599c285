CREATE TABLE `async_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`job_name` text NOT NULL,
	`job_version` text NOT NULL,
	`caller` text,
	`request` text NOT NULL,
	`result` text,
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`job_name` text,
	`detail` text DEFAULT '' NOT NULL,
	`ok` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_job` ON `audit_events` (`job_name`);--> statement-breakpoint
CREATE TABLE `secrets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_name` text NOT NULL,
	`key` text NOT NULL,
	`build` integer DEFAULT false NOT NULL,
	`value_enc` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `secrets_unique` ON `secrets` (`job_name`,`key`,`build`);
ALTER TABLE `job_versions` ADD `replicas` integer;--> statement-breakpoint
ALTER TABLE `job_versions` ADD `idle_after_ms` integer;--> statement-breakpoint
ALTER TABLE `job_versions` ADD `pinned` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `job_versions` ADD `promoted_at` integer;--> statement-breakpoint
ALTER TABLE `job_versions` ADD `rolled_back` text;
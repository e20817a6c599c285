ALTER TABLE `deployments` ADD `remote` text;--> statement-breakpoint
ALTER TABLE `deployments` ADD `remote_branch` text;--> statement-breakpoint
ALTER TABLE `deployments` ADD `remote_commit` text;
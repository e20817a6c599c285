ALTER TABLE `tokens` ADD `sealed` text;--> statement-breakpoint
ALTER TABLE `users` ADD `registered_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `register_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `registered_from` text;--> statement-breakpoint
ALTER TABLE `users` ADD `activated_at` integer;--> statement-breakpoint
-- Accounts that are or were active count as activated (a later registration never replaces them); the others are pending registrations.
UPDATE `users` SET `activated_at` = `created_at` WHERE `is_active` = 1
  OR EXISTS (SELECT 1 FROM `audit_events` a WHERE a.`action` IN ('user.activate', 'user.deactivate') AND a.`detail` = `users`.`email`);--> statement-breakpoint
UPDATE `users` SET `registered_at` = `created_at`, `register_attempts` = 1 WHERE `activated_at` IS NULL;--> statement-breakpoint
-- Family tokens were derived from the server key and the name, so they could never be revoked: they go, and each family gets a random one when its versions start.
DELETE FROM `tokens` WHERE `subject` LIKE 'job:%';--> statement-breakpoint
-- A family whose versions are all deleted has ended: its grants and secrets do not pass to whoever reuses the name.
DELETE FROM `grants` WHERE `job_name` IN (SELECT `name` FROM `jobs` WHERE `name` NOT IN (SELECT `name` FROM `job_versions`))
  OR `subject` IN (SELECT 'job:' || `name` FROM `jobs` WHERE `name` NOT IN (SELECT `name` FROM `job_versions`));--> statement-breakpoint
DELETE FROM `secrets` WHERE `job_name` IN (SELECT `name` FROM `jobs` WHERE `name` NOT IN (SELECT `name` FROM `job_versions`));--> statement-breakpoint
DELETE FROM `jobs` WHERE `name` NOT IN (SELECT `name` FROM `job_versions`);--> statement-breakpoint
-- New users no longer deploy over every job; the user whose deploy created a family owns it (deploy_job, delete_job).
DELETE FROM `grants` WHERE `subject` LIKE 'user:%' AND `job_name` = '*' AND `scope` = 'deploy_job';--> statement-breakpoint
UPDATE `jobs` SET `owner_email` = (SELECT d.`deployed_by` FROM `deployments` d JOIN `users` u ON u.`email` = d.`deployed_by`
    WHERE d.`job_name` = `jobs`.`name` AND d.`status` = 'done' ORDER BY d.`started_at` LIMIT 1)
  WHERE EXISTS (SELECT 1 FROM `deployments` d JOIN `users` u ON u.`email` = d.`deployed_by` WHERE d.`job_name` = `jobs`.`name` AND d.`status` = 'done');--> statement-breakpoint
INSERT OR IGNORE INTO `grants` (`subject`, `job_name`, `scope`, `created_at`)
  SELECT 'user:' || j.`owner_email`, j.`name`, s.`scope`, CAST(strftime('%s', 'now') AS INTEGER) * 1000
  FROM `jobs` j JOIN `users` u ON u.`email` = j.`owner_email` CROSS JOIN (SELECT 'deploy_job' AS `scope` UNION ALL SELECT 'delete_job') s;
